import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { adamwStepUnfused, adamwUpdate, type AdamWState } from './adamw';
import { globalNormSq, globalNormSqUnfused } from './global_norm';
import { activatableBackends, seededValues } from './op_test_helpers';

const backends = await activatableBackends();
const hp = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function zeroState(shape: number[]): AdamWState {
  return { m: tf.variable(tf.zeros(shape), false), v: tf.variable(tf.zeros(shape), false) };
}

/** torch.optim.AdamW's update written out in float64 on host: the reference every path is held to. */
function adamwFloat64(
  p: Float64Array,
  m: Float64Array,
  v: Float64Array,
  g: ArrayLike<number>,
  a: { lr: number; weightDecay: number; step: number; gradScale: number },
): void {
  const stepSize = a.lr / (1 - hp.beta1 ** a.step);
  const bc2Sqrt = Math.sqrt(1 - hp.beta2 ** a.step);
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * a.gradScale;
    m[i] = hp.beta1 * m[i] + (1 - hp.beta1) * gi;
    v[i] = hp.beta2 * v[i] + (1 - hp.beta2) * gi * gi;
    p[i] = p[i] * (1 - a.lr * a.weightDecay) - (stepSize * m[i]) / (Math.sqrt(v[i]) / bc2Sqrt + hp.eps);
  }
}

function maxRelDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  return worst / Math.max(scale, 1e-30);
}

// Closed forms of Adam that do not depend on how the update is coded: with a gradient that never
// changes, the bias-corrected moments are exactly g and g², so every step moves p by lr·g/(|g| + ε)
// after the decoupled decay p·(1 − lr·wd).
describe.each(backends)('adamwUpdate on %s', (backend) => {
  it('moves by lr·sign(g) per step under a constant gradient, after decoupled decay', async () => {
    await tf.setBackend(backend);
    const p0 = [0.5, -1.5, 2, 0];
    const g = [0.3, -2, 1e-3, 4];
    const param = tf.variable(tf.tensor(p0, [2, 2]));
    const grad = tf.tensor(g, [2, 2]);
    const state = zeroState([2, 2]);
    const expected = p0.slice();
    const lrs = [0.1, 0.05, 0.02];
    lrs.forEach((lr, k) => {
      adamwUpdate(param, grad, state, { ...hp, lr, weightDecay: 0.1, step: k + 1 });
      for (let i = 0; i < 4; i++) expected[i] = expected[i] * (1 - lr * 0.1) - (lr * g[i]) / (Math.abs(g[i]) + 1e-8);
    });
    const got = param.dataSync();
    for (let i = 0; i < 4; i++) expect(got[i]).toBeCloseTo(expected[i], 6);
    tf.dispose([param, grad, state.m, state.v]);
  });

  it('at lr 0 leaves the weights alone but still accumulates the moments (the HF warm-up step 0)', async () => {
    await tf.setBackend(backend);
    const param = tf.variable(tf.tensor([1, 2]));
    const grad = tf.tensor([2, -4]);
    const state = zeroState([2]);
    adamwUpdate(param, grad, state, { ...hp, lr: 0, weightDecay: 0.1, step: 1 });
    expect(Array.from(param.dataSync())).toEqual([1, 2]);
    const [m, v] = [state.m.dataSync(), state.v.dataSync()];
    expect(m[0]).toBeCloseTo(0.2, 7);
    expect(m[1]).toBeCloseTo(-0.4, 7);
    expect(v[0]).toBeCloseTo(0.004, 8);
    expect(v[1]).toBeCloseTo(0.016, 8);
    // Step 2 (lr 0.5, g = 1): torch's update written out by hand, bias corrections for t = 2.
    const ones = tf.tensor([1, 1]);
    adamwUpdate(param, ones, state, { ...hp, lr: 0.5, weightDecay: 0, step: 2 });
    const m0 = 0.9 * 0.2 + 0.1 * 1;
    const v0 = 0.999 * 0.004 + 0.001 * 1;
    const p0 = 1 - (0.5 / (1 - 0.81)) * (m0 / (Math.sqrt(v0) / Math.sqrt(1 - 0.999 ** 2) + 1e-8));
    expect(param.dataSync()[0]).toBeCloseTo(p0, 5);
    tf.dispose([param, grad, ones, state.m, state.v]);
  });

  it('matches a float64 reference over steps with clipping, and so does the tfjs-op fallback', async () => {
    await tf.setBackend(backend);
    const n = 3000; // several of the native kernel's parallel chunks
    const init = seededValues(n, 1);
    const param = tf.variable(tf.tensor(init, [30, 100]));
    const state = zeroState([30, 100]);
    let fallback = [tf.tensor(init, [30, 100]), tf.zeros([30, 100]), tf.zeros([30, 100])];
    const [p64, m64, v64] = [Float64Array.from(init), new Float64Array(n), new Float64Array(n)];
    for (let step = 1; step <= 4; step++) {
      const g = seededValues(n, 10 + step, 0.5);
      const grad = tf.tensor(g, [30, 100]);
      const a = { ...hp, lr: 0.01, weightDecay: 0.1, step, gradScale: step % 2 ? 0.37 : 1 };
      adamwUpdate(param, grad, state, a);
      const next = adamwStepUnfused(fallback[0], grad, fallback[1], fallback[2], a);
      tf.dispose([...fallback, grad]);
      fallback = next;
      adamwFloat64(p64, m64, v64, g, a);
    }
    expect(maxRelDiff(param.dataSync(), p64)).toBeLessThan(1e-6);
    expect(maxRelDiff(state.m.dataSync(), m64)).toBeLessThan(1e-6);
    expect(maxRelDiff(state.v.dataSync(), v64)).toBeLessThan(1e-5);
    expect(maxRelDiff(fallback[0].dataSync(), p64)).toBeLessThan(1e-6);
    expect(maxRelDiff(fallback[2].dataSync(), v64)).toBeLessThan(1e-5);
    tf.dispose([param, state.m, state.v, ...fallback]);
  });

  it('leaves a tensor that shares the parameter storage (its initial value) untouched', async () => {
    await tf.setBackend(backend);
    const init = tf.tensor([1, 2, 3]);
    const param = tf.variable(init);
    const state = zeroState([3]);
    const grad = tf.tensor([1, 1, 1]);
    adamwUpdate(param, grad, state, { ...hp, lr: 0.1, weightDecay: 0, step: 1 });
    expect(Array.from(init.dataSync())).toEqual([1, 2, 3]);
    expect(param.dataSync()[0]).toBeCloseTo(0.9, 6);
    tf.dispose([init, param, grad, state.m, state.v]);
  });

  it('rejects state of the wrong size', async () => {
    await tf.setBackend(backend);
    const param = tf.variable(tf.tensor([1, 2]));
    const state = { m: tf.variable(tf.zeros([3])), v: tf.variable(tf.zeros([2])) };
    expect(() => adamwUpdate(param, tf.tensor([1, 2]), state, { ...hp, lr: 1, weightDecay: 0, step: 1 })).toThrow(
      /grad\/m\/v/,
    );
    tf.dispose([param, state.m, state.v]);
  });
});

describe.each(backends)('globalNormSq on %s', (backend) => {
  it('matches Σ x² in float64 over tensors of several shapes, as the fallback does', async () => {
    await tf.setBackend(backend);
    const shapes = [[70000], [3, 5], [1], [40, 33]];
    const values = shapes.map((s, i) =>
      seededValues(
        s.reduce((a, b) => a * b, 1),
        40 + i,
        2,
      ),
    );
    let want = 0;
    for (const v of values) for (const x of v) want += x * x;
    const ts = values.map((v, i) => tf.tensor(v, shapes[i]));
    const got = globalNormSq(ts);
    const unfused = globalNormSqUnfused(ts);
    expect(got.shape).toEqual([]);
    expect(got.dtype).toBe('float32');
    expect(Math.abs(got.dataSync()[0] - want) / want).toBeLessThan(1e-6);
    expect(Math.abs(unfused.dataSync()[0] - want) / want).toBeLessThan(1e-5);
    expect(globalNormSq([]).dataSync()[0]).toBe(0);
    tf.dispose([...ts, got, unfused]);
  });
});
