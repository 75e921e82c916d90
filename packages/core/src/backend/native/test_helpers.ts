// Shared by the native backend tests: whether the addon is built, and running one computation on
// a named backend from plain arrays.
import fs from 'node:fs';
import { tf } from '../../tf';
import { ADDON_PATH } from './addon';
import { registerNativeBackend } from './register';

/** Whether the addon exists; tests skip with this reason when it does not. */
export const ADDON_BUILT = fs.existsSync(ADDON_PATH);
export const SKIP_REASON = ADDON_BUILT ? '' : ` (skipped: native addon not built at ${ADDON_PATH}; run pnpm install)`;

if (ADDON_BUILT) registerNativeBackend();

export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32';
}

/** Runs f on `backend` with tensors made from `inputs`; returns the output's values and shape. */
export async function runOn(
  backend: string,
  inputs: HostTensor[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const xs = inputs.map((h) => tf.tensor(h.values.slice(), h.shape, h.dtype));
    const out = f(...xs);
    return { values: Float32Array.from(out.dataSync()), shape: out.shape };
  });
}

/** Largest |a - b| / (1 + |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i]));
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function f32(shape: number[], values: Float32Array): HostTensor {
  return { values, shape, dtype: 'float32' };
}
