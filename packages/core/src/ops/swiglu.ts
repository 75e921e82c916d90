// The gated activation of the Qwen2/Llama MLP: silu(gate) * up (transformers' `act_fn(gate_proj(x)) * up_proj(x)`).
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** silu(gate) * up, elementwise. Fused kernel `MdSwiGLU`: inputs `{gate, up}`. */
export function swiglu(
  gate: tf.Tensor, // [..., intermediate]
  up: tf.Tensor, // same shape
): tf.Tensor {
  if (hasFusedKernel(FUSED_KERNELS.swiglu)) return runFusedKernel(FUSED_KERNELS.swiglu, { gate, up });
  return swigluUnfused(gate, up);
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function swigluUnfused(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(gate, tf.sigmoid(gate)), up));
}
