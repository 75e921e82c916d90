import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { rmsNorm } from './rms_norm';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

/** x * weight / sqrt(mean(x²) + eps) per row, in float64. */
function rmsNormReference(x: Float32Array, weight: Float32Array, eps: number): number[] {
  const h = weight.length;
  const out: number[] = [];
  for (let row = 0; row < x.length / h; row++) {
    let sq = 0;
    for (let i = 0; i < h; i++) sq += x[row * h + i] ** 2;
    const inv = 1 / Math.sqrt(sq / h + eps);
    for (let i = 0; i < h; i++) out.push(x[row * h + i] * inv * weight[i]);
  }
  return out;
}

describe.each(backends)('rmsNorm on %s', (backend) => {
  it('matches the direct computation', async () => {
    await tf.setBackend(backend);
    const x = seededTensor([2, 3, 8], 1, 3);
    const w = seededTensor([8], 2);
    const out = rmsNorm(x, w, 1e-6);
    expect(out.shape).toEqual([2, 3, 8]);
    const expected = rmsNormReference(x.dataSync() as Float32Array, w.dataSync() as Float32Array, 1e-6);
    const got = out.dataSync();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    tf.dispose([x, w, out]);
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const x = seededTensor([2, 5], 3, 2);
    const w = seededTensor([5], 4);
    const errors = finiteDifferenceErrors((a, b) => rmsNorm(a, b, 1e-5), [x, w], [0, 1]);
    for (const e of errors) expect(e).toBeLessThan(2e-3);
    tf.dispose([x, w]);
  });
});
