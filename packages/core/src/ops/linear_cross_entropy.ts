// The LM head and the loss as one op: Σ cross-entropy of (x · weightᵀ) over the labels, without
// the [n, vocab] logits as a tensor. With Qwen2.5's 151,936-word vocabulary the logits of one
// micro-batch of 8 × 2048 tokens are 10 GB in float32, and their gradient as much again; a backend
// that registers the fused kernel computes them a chunk of rows at a time, so only one chunk
// exists at once (llm.c's fused classifier does the same).
//
// Kernel `MdLinearCrossEntropySum`: inputs {x float32 [n, in], weight float32 [vocab, in], labels
// int32 [n]} -> the float32 scalar Σ over rows with label ≠ -100 of logSumExp(row) - row[label],
// row = x[i] · weightᵀ. Its gradient runs `MdLinearCrossEntropySumGrad`: inputs {dy (scalar), x,
// weight, labels, loss (the forward's output, whose side data holds each row's log-sum-exp)} ->
// [dx [n, in], dWeight [vocab, in]]. The backward computes each chunk's logits again from x and
// weight (one more product of the head's size) rather than keeping them.
// Backends without the kernel run the composition: `linear` then `crossEntropySum`, which is
// exactly what the models ran before this op existed.
import { tf } from '../tf';
import { crossEntropySum } from './cross_entropy';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';
import { linear } from './linear';

/** Σ cross-entropy of the logits x · weightᵀ against labels (-100: not counted), a float32 scalar. */
export function linearCrossEntropySum(
  x: tf.Tensor, // [n, in]
  weight: tf.Tensor, // [vocab, in]
  labels: tf.Tensor, // int32 [n]
): tf.Scalar {
  if (hasFusedKernel(FUSED_KERNELS.linearCrossEntropySum)) {
    return runFusedKernel(FUSED_KERNELS.linearCrossEntropySum, { x, weight, labels }) as tf.Scalar;
  }
  return linearCrossEntropySumUnfused(x, weight, labels);
}

/** The composition (the logits as a tensor): the path for backends without the kernel, and the test reference. */
export function linearCrossEntropySumUnfused(x: tf.Tensor, weight: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => crossEntropySum(linear(x, weight), labels));
}
