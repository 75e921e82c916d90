// RMSNorm, as transformers' Qwen2RMSNorm / LlamaRMSNorm: x * rsqrt(mean(x²) + eps) * weight,
// computed in float32.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/**
 * Normalises the last axis of `x` by its root mean square and scales it by `weight`.
 * Fused kernel `MdRMSNorm`: inputs `{x, weight}`, attrs `{eps}`.
 */
export function rmsNorm(
  x: tf.Tensor, // [..., h]
  weight: tf.Tensor, // [h]
  eps: number,
): tf.Tensor {
  if (hasFusedKernel(FUSED_KERNELS.rmsNorm)) return runFusedKernel(FUSED_KERNELS.rmsNorm, { x, weight }, { eps });
  return rmsNormUnfused(x, weight, eps);
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function rmsNormUnfused(x: tf.Tensor, weight: tf.Tensor, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))), weight);
  });
}
