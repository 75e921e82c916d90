// The precision of matrix products, one setting for every backend (`--precision`,
// MIXDISTILL_PRECISION): weights, gradients, optimizer state, the loss and norms stay float32
// whatever it is. Read once, when a backend is registered.
import { MixdistillError } from '../errors';

/**
 * fp32: float32 operands (exact); tf32: cuBLAS' TF32 tensor cores (cuda only); bf16: both
 * operands rounded to bfloat16, products accumulated in float32 (mixed-precision training).
 */
export const PRECISIONS = ['fp32', 'tf32', 'bf16'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** The precisions each backend computes; a backend not listed computes fp32 only. */
const BACKEND_PRECISIONS: Record<string, readonly Precision[]> = {
  cuda: PRECISIONS,
  native: ['fp32', 'bf16'],
};

export function supportedPrecisions(backend: string): readonly Precision[] {
  return BACKEND_PRECISIONS[backend] ?? ['fp32'];
}

/** MIXDISTILL_PRECISION (`--precision` sets it), fp32 when unset. */
export function precisionFromEnv(): Precision {
  const env = process.env.MIXDISTILL_PRECISION || 'fp32';
  if ((PRECISIONS as readonly string[]).includes(env)) return env as Precision;
  throw new MixdistillError(`MIXDISTILL_PRECISION is '${env}'; expected one of ${PRECISIONS.join(', ')}`);
}
