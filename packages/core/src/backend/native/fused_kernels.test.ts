// The fused kernels (and their registered gradients) against the unfused tfjs compositions run on
// the cpu backend, at sizes that cross the kernels' block boundaries. Finite-difference checks of
// the same gradients run on every backend in core/src/ops/*.test.ts.
import { describe, expect, it } from 'vitest';
import { tf } from '../../tf';
import { adamwUpdate } from '../../ops/adamw';
import { applyRope, applyRopeUnfused } from '../../ops/rope';
import { causalAttention, causalAttentionUnfused } from '../../ops/attention';
import { crossEntropySum, crossEntropySumUnfused } from '../../ops/cross_entropy';
import { rmsNorm, rmsNormUnfused } from '../../ops/rms_norm';
import { swiglu, swigluUnfused } from '../../ops/swiglu';
import { seededValues } from '../../ops/op_test_helpers';
import { ADDON_BUILT, SKIP_REASON, f32, maxRelDiff, runOn, type HostTensor } from './test_helpers';

let seed = 100;
function rand(shape: number[], scale = 1): HostTensor {
  return f32(
    shape,
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      scale,
    ),
  );
}

/** Output and gradients of Σ f(x)·r w.r.t. the float inputs, flattened into one array. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, wrt: number[]): (...xs: tf.Tensor[]) => tf.Tensor {
  return (...xs: tf.Tensor[]) => {
    const outShape = tf.tidy(() => f(...xs).shape);
    const r = tf.tensor(
      seededValues(
        outShape.reduce((a, b) => a * b, 1),
        7,
      ),
      outShape,
    );
    const lossOf = (...ws: tf.Tensor[]): tf.Scalar => {
      const all = xs.map((x, i) => (wrt.includes(i) ? ws[wrt.indexOf(i)] : x));
      return tf.sum(tf.mul(f(...all), r));
    };
    const grads = tf.grads(lossOf)(wrt.map((i) => xs[i]));
    return tf.concat([tf.reshape(f(...xs), [-1]), ...grads.map((g) => tf.reshape(g, [-1]))]);
  };
}

async function expectFusedMatches(
  inputs: HostTensor[],
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  unfused: (...xs: tf.Tensor[]) => tf.Tensor,
  wrt: number[],
  tol: number,
): Promise<void> {
  const want = await runOn('cpu', inputs, valueAndGrads(unfused, wrt));
  const got = await runOn('native', inputs, valueAndGrads(fused, wrt));
  expect(got.values.length).toBe(want.values.length);
  expect(maxRelDiff(got.values, want.values)).toBeLessThan(tol);
}

describe.skipIf(!ADDON_BUILT)(`fused native kernels match the unfused compositions${SKIP_REASON}`, () => {
  it('rmsNorm (rows of odd width, 3-D input)', async () => {
    await expectFusedMatches(
      [rand([2, 7, 33]), rand([33])],
      (x, w) => rmsNorm(x, w, 1e-6),
      (x, w) => rmsNormUnfused(x, w, 1e-6),
      [0, 1],
      1e-5,
    );
  });

  it('applyRope, per-batch and shared cos/sin', async () => {
    const x = rand([2, 3, 17, 8]);
    await expectFusedMatches([x, rand([2, 17, 4]), rand([2, 17, 4])], applyRope, applyRopeUnfused, [0, 1, 2], 1e-5);
    await expectFusedMatches([x, rand([1, 17, 4]), rand([1, 17, 4])], applyRope, applyRopeUnfused, [0, 1, 2], 1e-5);
  });

  it('swiglu', async () => {
    await expectFusedMatches([rand([5, 33], 4), rand([5, 33])], swiglu, swigluUnfused, [0, 1], 1e-5);
    // Gates past exp's clamps (|g| > 88): silu saturates to g and to 0 on every table's vector path.
    await expectFusedMatches([rand([3, 40], 200), rand([3, 40])], swiglu, swigluUnfused, [0, 1], 1e-5);
  });

  it('causalAttention: GQA, several blocks, KV offset, packed segments', async () => {
    const [b, hq, hkv, s, t, d] = [2, 4, 2, 70, 75, 8];
    const segments = new Int32Array(b * t);
    for (let j = 0; j < t; j++) {
      segments[j] = j < 30 ? 0 : 1;
      segments[t + j] = j < 66 ? 3 : 4;
    }
    const seg: HostTensor = { values: segments, shape: [b, t], dtype: 'int32' };
    const inputs = [rand([b, hq, s, d]), rand([b, hkv, t, d]), rand([b, hkv, t, d])];
    const opts = { scale: 0.3 };
    await expectFusedMatches(
      inputs,
      (q, k, v) => causalAttention(q, k, v, opts),
      (q, k, v) => causalAttentionUnfused(q, k, v, opts),
      [0, 1, 2],
      2e-5,
    );
    await expectFusedMatches(
      [...inputs, seg],
      (q, k, v, sg) => causalAttention(q, k, v, { segmentIds: sg }),
      (q, k, v, sg) => causalAttentionUnfused(q, k, v, { segmentIds: sg }),
      [0, 1, 2],
      2e-5,
    );
    // A padding-free row: three examples end to end (90, 60 and 40 tokens) and 10 pads (segment 0),
    // so whole key blocks lie in other examples and are skipped.
    const flat = new Int32Array(200).map((_, j) => (j < 90 ? 1 : j < 150 ? 2 : j < 190 ? 3 : 0));
    await expectFusedMatches(
      [
        rand([1, 2, 200, 32]),
        rand([1, 1, 200, 32]),
        rand([1, 1, 200, 32]),
        { values: flat, shape: [1, 200], dtype: 'int32' },
      ],
      (q, k, v, sg) => causalAttention(q, k, v, { segmentIds: sg }),
      (q, k, v, sg) => causalAttentionUnfused(q, k, v, { segmentIds: sg }),
      [0, 1, 2],
      2e-5,
    );
    // Head dims 32, 48, 64 (Llama/Qwen) and 128: the register-blocked block products, every strip
    // width (64 columns, 48 = 3 vectors, 32 and 16 with 8 rows at a time) and row remainder.
    for (const d of [32, 48, 64, 128]) {
      await expectFusedMatches(
        [rand([1, 2, 67, d]), rand([1, 1, 67, d]), rand([1, 1, 67, d])],
        (q, k, v) => causalAttention(q, k, v),
        (q, k, v) => causalAttentionUnfused(q, k, v),
        [0, 1, 2],
        2e-5,
      );
    }
    // Decoding one token against a cache of t keys.
    await expectFusedMatches(
      [rand([1, 4, 1, 8]), rand([1, 2, 9, 8]), rand([1, 2, 9, 8])],
      (q, k, v) => causalAttention(q, k, v),
      (q, k, v) => causalAttentionUnfused(q, k, v),
      [0, 1, 2],
      2e-5,
    );
  });

  it('causalAttention: a decoding step (s ≤ 4 rows, all heads of a KV group at once) gives exactly the rows of a longer query block', async () => {
    // Qwen2.5-0.5B's heads (14 query, 2 KV, d 64), a KV cache buffer of 140 positions of which 130
    // are keys, and a left-padded row (segment 0 is its padding).
    const [b, hq, hkv, s, capacity, t, d] = [2, 14, 2, 6, 140, 130, 64];
    const segments = new Int32Array(b * capacity).map((_, i) => (i < capacity + 37 && i >= capacity ? 0 : 1));
    const inputs = [
      rand([b, hq, s, d]),
      rand([b, hkv, capacity, d]),
      rand([b, hkv, capacity, d]),
      { values: segments, shape: [b, capacity], dtype: 'int32' } as HostTensor,
    ];
    const attend = (rows: number) => (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, sg: tf.Tensor) =>
      causalAttention(tf.slice(q, [0, 0, s - rows, 0], [b, hq, rows, d]), k, v, { segmentIds: sg, keyLength: t });
    const block = await runOn('native', inputs, attend(s)); // [b, hq, s, d]: one block of the training layout
    for (const rows of [1, 2, 4]) {
      const step = await runOn('native', inputs, attend(rows));
      const want: number[] = [];
      for (let bh = 0; bh < b * hq; bh++)
        want.push(...block.values.subarray((bh * s + s - rows) * d, (bh + 1) * s * d));
      expect(step.values, `${rows} rows`).toEqual(Float32Array.from(want));
    }
  });

  it('crossEntropySum with ignored positions', async () => {
    const labels: HostTensor = { values: Int32Array.from([3, -100, 0, 99, 42, -100, 7]), shape: [7], dtype: 'int32' };
    await expectFusedMatches([rand([7, 100], 5), labels], crossEntropySum, crossEntropySumUnfused, [0], 1e-5);
  });

  it('crossEntropySum over several chunks of 2048 logits, the max late in the row', async () => {
    // Logits that grow along the row: each chunk of the one-pass log-sum-exp brings a new
    // running max, so the sum so far is rescaled twice, with most of the mass in the last chunk.
    const [rows, vocab] = [3, 5000];
    const noise = rand([rows, vocab]).values;
    const logits = f32(
      [rows, vocab],
      Float32Array.from(noise, (v, i) => v + 0.005 * (i % vocab)),
    );
    const labels: HostTensor = { values: Int32Array.from([4999, 0, 2500]), shape: [rows], dtype: 'int32' };
    await expectFusedMatches([logits, labels], crossEntropySum, crossEntropySumUnfused, [0], 1e-5);
  });

  it('crossEntropySum with a first chunk of -inf logits (a masked vocabulary range)', async () => {
    const [rows, vocab] = [2, 4500];
    const noise = rand([rows, vocab]).values;
    const logits = f32(
      [rows, vocab],
      Float32Array.from(noise, (v, i) => (i % vocab < 2100 ? Number.NEGATIVE_INFINITY : v)),
    );
    const labels: HostTensor = { values: Int32Array.from([3000, 4499]), shape: [rows], dtype: 'int32' };
    await expectFusedMatches([logits, labels], crossEntropySum, crossEntropySumUnfused, [0], 1e-5);
  });

  it("crossEntropySum of a row holding NaN or +inf is NaN, and so is that row's gradient", async () => {
    const vocab = 3000;
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const values = Float32Array.from(rand([2, vocab]).values);
      values[vocab + 2222] = bad; // row 1, in its second chunk
      const labels: HostTensor = { values: Int32Array.from([5, 7]), shape: [2], dtype: 'int32' };
      const got = await runOn('native', [f32([2, vocab], values), labels], valueAndGrads(crossEntropySum, [0]));
      // [loss, dlogits row 0, dlogits row 1]
      expect(got.values[0], `loss with ${bad}`).toBeNaN();
      expect(got.values.subarray(1, 1 + vocab).every(Number.isFinite)).toBe(true);
      expect(got.values.subarray(1 + vocab).every(Number.isNaN), `row 1's gradient with ${bad}`).toBe(true);
    }
  });

  it('adamwUpdate in place matches the composite update on cpu, also when the storage is shared', async () => {
    const run = async (backend: string, shareInit: boolean): Promise<Float32Array> => {
      await tf.setBackend(backend);
      const init = tf.tensor(seededValues(37, 5), [37]);
      const p = tf.variable(init);
      if (!shareInit) init.dispose();
      const state = { m: tf.variable(tf.zeros([37]), false), v: tf.variable(tf.zeros([37]), false) };
      for (let step = 1; step <= 3; step++) {
        const g = tf.tensor(seededValues(37, 10 + step), [37]);
        adamwUpdate(p, g, state, { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step });
        g.dispose();
      }
      const out = Float32Array.from(p.dataSync());
      if (shareInit) expect(Array.from(init.dataSync())).toEqual(Array.from(seededValues(37, 5)));
      tf.dispose([p, init, state.m, state.v]);
      return out;
    };
    const want = await run('cpu', false);
    expect(maxRelDiff(await run('native', false), want)).toBeLessThan(1e-6);
    expect(maxRelDiff(await run('native', true), want)).toBeLessThan(1e-6);
  });
});
