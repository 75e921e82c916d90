// A linear layer, y = x · Wᵀ + b over the last axis of x (torch.nn.functional.linear), for float32
// weights [out, in] as checkpoints store them.
//
// As a composition it is four tfjs kernels forward (reshape, product, bias add, reshape), the
// tape's clones of the inputs each of them saves, and their backward kernels: ~14 dispatches a
// linear layer, ~40% of the 4,191 of a Qwen2.5-0.5B training step, bookkeeping but for the
// products. The fused kernel is one dispatch forward and one backward (and two clones).
//
// Kernel `MdLinear`: inputs {x float32 [..., in], weight float32 [out, in], bias? float32 [out]},
// attrs {bias: whether bias is given} -> y [..., out]. Its gradient runs `MdLinearGrad` with the
// forward's attrs: inputs {dy [..., out], x, weight} -> [dx [..., in], dWeight [out, in], and
// dBias [out] when attrs.bias].
// The backends compute what the composition computes, with the same products and reduction, so
// the floats are the composition's (linear.test.ts).
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** x [..., in] · weightᵀ (+ bias) -> [..., out]. */
export function linear(
  x: tf.Tensor, // [..., in]
  weight: tf.Tensor, // [out, in]
  bias: tf.Tensor | null = null, // [out]
): tf.Tensor {
  if (hasFusedKernel(FUSED_KERNELS.linear)) {
    return runFusedKernel(FUSED_KERNELS.linear, bias ? { x, weight, bias } : { x, weight }, { bias: bias !== null });
  }
  return linearUnfused(x, weight, bias);
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function linearUnfused(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null = null): tf.Tensor {
  return tf.tidy(() => {
    const outDim = weight.shape[0] as number;
    const inDim = x.shape[x.shape.length - 1] as number;
    const rows = tf.util.sizeFromShape(x.shape.slice(0, -1)); // not [-1, in]: in may be 0
    let y = tf.matMul(tf.reshape(x, [rows, inDim]), weight, false, true); // [rows, out]
    if (bias) y = tf.add(y, bias);
    return tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
  });
}
