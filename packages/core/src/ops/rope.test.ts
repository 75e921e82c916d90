import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { applyRope } from './rope';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

/** cos/sin [b, s, d/2] of angle (position + 1) * (i + 1) / 3, distinct per batch row via the position. */
function angles(b: number, s: number, half: number): { cos: tf.Tensor; sin: tf.Tensor } {
  const theta: number[] = [];
  for (let bi = 0; bi < b; bi++)
    for (let p = 0; p < s; p++) for (let i = 0; i < half; i++) theta.push(((p + 1 + bi * 5) * (i + 1)) / 3);
  return { cos: tf.tensor(theta.map(Math.cos), [b, s, half]), sin: tf.tensor(theta.map(Math.sin), [b, s, half]) };
}

describe.each(backends)('applyRope on %s', (backend) => {
  it('rotates each (x[i], x[i + d/2]) pair like transformers rotate_half', async () => {
    await tf.setBackend(backend);
    const [b, heads, s, d] = [2, 3, 4, 6];
    const half = d / 2;
    const x = seededTensor([b, heads, s, d], 1);
    const { cos, sin } = angles(b, s, half);
    const got = applyRope(x, cos, sin).dataSync();
    const xv = x.dataSync();
    const c = cos.dataSync();
    const sn = sin.dataSync();
    for (let bi = 0; bi < b; bi++)
      for (let h = 0; h < heads; h++)
        for (let p = 0; p < s; p++)
          for (let i = 0; i < d; i++) {
            const base = ((bi * heads + h) * s + p) * d;
            const a = (bi * s + p) * half + (i % half);
            // q*cos + rotate_half(q)*sin with rotate_half(q) = cat(-q2, q1)
            const rotated = i < half ? -xv[base + i + half] : xv[base + i - half];
            expect(got[base + i]).toBeCloseTo(xv[base + i] * c[a] + rotated * sn[a], 5);
          }
    tf.dispose([x, cos, sin]);
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const x = seededTensor([1, 2, 3, 4], 2);
    const cos = seededTensor([1, 3, 2], 3);
    const sin = seededTensor([1, 3, 2], 4);
    const errors = finiteDifferenceErrors(applyRope, [x, cos, sin], [0, 1, 2]);
    for (const e of errors) expect(e).toBeLessThan(2e-3);
    tf.dispose([x, cos, sin]);
  });
});
