import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { adamwUpdate } from './adamw';

// Closed forms of Adam that do not depend on how the update is coded: with a gradient that never
// changes, the bias-corrected moments are exactly g and g², so every step moves p by lr·g/(|g| + ε)
// after the decoupled decay p·(1 − lr·wd).
describe('adamwUpdate', () => {
  const hp = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

  it('moves by lr·sign(g) per step under a constant gradient, after decoupled decay', () => {
    const p0 = [0.5, -1.5, 2, 0];
    const g = [0.3, -2, 1e-3, 4];
    const param = tf.variable(tf.tensor(p0, [2, 2]));
    const grad = tf.tensor(g, [2, 2]);
    const state = { m: new Float32Array(4), v: new Float32Array(4) };
    const expected = p0.slice();
    const lrs = [0.1, 0.05, 0.02];
    lrs.forEach((lr, k) => {
      adamwUpdate(param, grad, state, { ...hp, lr, weightDecay: 0.1, step: k + 1 });
      for (let i = 0; i < 4; i++) expected[i] = expected[i] * (1 - lr * 0.1) - (lr * g[i]) / (Math.abs(g[i]) + 1e-8);
    });
    const got = param.dataSync();
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(expected[i], 6);
  });

  it('at lr 0 leaves the weights alone but still accumulates the moments (the HF warm-up step 0)', () => {
    const param = tf.variable(tf.tensor([1, 2]));
    const grad = tf.tensor([2, -4]);
    const state = { m: new Float32Array(2), v: new Float32Array(2) };
    adamwUpdate(param, grad, state, { ...hp, lr: 0, weightDecay: 0.1, step: 1 });
    expect(Array.from(param.dataSync())).toEqual([1, 2]);
    expect(state.m[0]).toBeCloseTo(0.2, 7);
    expect(state.m[1]).toBeCloseTo(-0.4, 7);
    expect(state.v[0]).toBeCloseTo(0.004, 8);
    expect(state.v[1]).toBeCloseTo(0.016, 8);
    // Step 2 (lr 0.5, g = 1): torch's update written out by hand, bias corrections for t = 2.
    adamwUpdate(param, tf.tensor([1, 1]), state, { ...hp, lr: 0.5, weightDecay: 0, step: 2 });
    const m0 = 0.9 * 0.2 + 0.1 * 1;
    const v0 = 0.999 * 0.004 + 0.001 * 1;
    const p0 = 1 - (0.5 / (1 - 0.81)) * (m0 / (Math.sqrt(v0) / Math.sqrt(1 - 0.999 ** 2) + 1e-8));
    expect(param.dataSync()[0]).toBeCloseTo(p0, 5);
  });

  it('rejects state of the wrong size', () => {
    const param = tf.variable(tf.tensor([1, 2]));
    expect(() =>
      adamwUpdate(
        param,
        tf.tensor([1, 2]),
        { m: new Float32Array(3), v: new Float32Array(2) },
        { ...hp, lr: 1, weightDecay: 0, step: 1 },
      ),
    ).toThrow(/grad\/m\/v/);
  });
});
