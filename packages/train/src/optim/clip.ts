// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (what the HF Trainer calls). The
// norm itself is core's `globalNormSq` (kernel `MdGlobalNormSq`), read with the loss in one sync.

/**
 * Scale factor clip_grad_norm_ multiplies every gradient by: min(1, maxNorm / (norm + 1e-6)).
 * maxNorm ≤ 0 turns clipping off.
 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  if (!(maxNorm > 0)) return 1;
  return Math.min(1, maxNorm / (norm + 1e-6));
}
