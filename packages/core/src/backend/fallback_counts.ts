// Fallback counts of the active backend, for whoever reports them (`mixdistill backend`, `bench`,
// benchmarks/gpu): the cuda backend runs the tfjs kernels it lacks on a private cpu backend and
// counts each run per kernel name; every other backend has no fallback, so `null` (not applicable).
import { tf } from '../tf';

interface CountingBackend {
  fallbackCounts(): Record<string, number>;
  fallback: { reset(): void };
}

function counting(): CountingBackend | null {
  const backend = tf.backend() as unknown as Partial<CountingBackend>;
  return typeof backend.fallbackCounts === 'function' && backend.fallback ? (backend as CountingBackend) : null;
}

/** Fallback runs per kernel name since start-up (or the last reset); null when the backend has no fallback. */
export function fallbackCounts(): Record<string, number> | null {
  return counting()?.fallbackCounts() ?? null;
}

/** Σ of fallbackCounts() (0 when the backend has no fallback). */
export function fallbackTotal(): number {
  return Object.values(fallbackCounts() ?? {}).reduce((a, b) => a + b, 0);
}

/** Starts the active backend's fallback counts from zero (nothing to do without a fallback). */
export function resetFallbackCounts(): void {
  counting()?.fallback.reset();
}
