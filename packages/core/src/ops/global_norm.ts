// The squared global L2 norm of a list of gradients, Σ‖g‖², as one scalar that stays on the device:
// the trainer reads it together with the loss in one host sync per optimiser step, and the clip
// coefficient (torch.nn.utils.clip_grad_norm_) follows from its square root.
//
// Kernel contract of `MdGlobalNormSq` (FUSED_KERNELS.globalNormSq), for a backend that registers it:
//   inputs  the tensors as an array (tfjs' AddN convention: `inputs` is the array, keys '0'…'n-1'),
//           float32, any shapes, at least one
//   attrs   none
//   output  a float32 scalar (shape []): Σ over all tensors and elements of x², accumulated in at
//           least float32 (the native kernel accumulates in float64 and rounds once)
// No gradient: it measures gradients, it is never differentiated.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** Σ‖g‖² over `tensors` as a float32 scalar tensor (0 for an empty list). */
export function globalNormSq(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (!hasFusedKernel(FUSED_KERNELS.globalNormSq)) return globalNormSqUnfused(tensors);
  return runFusedKernel(FUSED_KERNELS.globalNormSq, tensors as unknown as Record<string, tf.Tensor>) as tf.Scalar;
}

/** Σ‖g‖² as tfjs ops in float32 on the active backend (the fallback, and the reference in tests). */
export function globalNormSqUnfused(tensors: readonly tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  return tf.tidy(() => tf.addN(tensors.map((g) => tf.sum(tf.square(g)))) as tf.Scalar);
}
