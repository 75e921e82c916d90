// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (what the HF Trainer calls).
import { tf } from '@mixdistill/core';

/** The L2 norm over all gradients together (the value before clipping, which training reports). */
export function globalNorm(grads: readonly tf.Tensor[]): number {
  let sumSq = 0;
  for (const g of grads) {
    const s = tf.tidy(() => tf.sum(tf.square(g)));
    sumSq += s.dataSync()[0];
    s.dispose();
  }
  return Math.sqrt(sumSq);
}

/**
 * Scale factor clip_grad_norm_ multiplies every gradient by: min(1, maxNorm / (norm + 1e-6)).
 * maxNorm ≤ 0 turns clipping off.
 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
