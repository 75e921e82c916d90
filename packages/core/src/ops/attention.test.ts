import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { causalAttention } from './attention';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

interface Shapes {
  b: number;
  hq: number;
  hkv: number;
  s: number;
  t: number;
  d: number;
}

/**
 * Per query head h: kv head floor(h / (hq/hkv)); query i at key position t-s+i sees keys j ≤ t-s+i
 * with the same segment id; softmax(q·k·scale)·v in float64.
 */
function attentionReference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  { b, hq, hkv, s, t, d }: Shapes,
  scale: number,
  segments?: number[][],
): number[] {
  const out: number[] = [];
  for (let bi = 0; bi < b; bi++)
    for (let h = 0; h < hq; h++) {
      const kvh = Math.floor(h / (hq / hkv));
      for (let i = 0; i < s; i++) {
        const pos = t - s + i;
        const scores: number[] = [];
        for (let j = 0; j < t; j++) {
          const visible = j <= pos && (!segments || segments[bi][j] === segments[bi][pos]);
          if (!visible) {
            scores.push(-Infinity);
            continue;
          }
          let dot = 0;
          for (let c = 0; c < d; c++) dot += q[((bi * hq + h) * s + i) * d + c] * k[((bi * hkv + kvh) * t + j) * d + c];
          scores.push(dot * scale);
        }
        const max = Math.max(...scores);
        const weights = scores.map((x) => Math.exp(x - max));
        const total = weights.reduce((a, w) => a + w, 0);
        for (let c = 0; c < d; c++) {
          let acc = 0;
          for (let j = 0; j < t; j++) acc += (weights[j] / total) * v[((bi * hkv + kvh) * t + j) * d + c];
          out.push(acc);
        }
      }
    }
  return out;
}

/** Checks `got` against attentionReference on the given q, k, v (k/v of exactly t positions). */
function expectReference(
  got: tf.Tensor,
  { q, k, v }: { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor },
  shapes: Shapes,
  scale: number,
  segments?: number[][],
): void {
  const data = (x: tf.Tensor) => x.dataSync() as Float32Array;
  const expected = attentionReference(data(q), data(k), data(v), shapes, scale, segments);
  const values = got.dataSync();
  for (let i = 0; i < expected.length; i++) expect(values[i]).toBeCloseTo(expected[i], 5);
}

function inputs(shapes: Shapes, seed: number) {
  const { b, hq, hkv, s, t, d } = shapes;
  return {
    q: seededTensor([b, hq, s, d], seed, 2),
    k: seededTensor([b, hkv, t, d], seed + 1, 2),
    v: seededTensor([b, hkv, t, d], seed + 2),
  };
}

describe.each(backends)('causalAttention on %s', (backend) => {
  it('matches the direct computation with grouped heads and a KV-cache offset', async () => {
    await tf.setBackend(backend);
    const shapes = { b: 2, hq: 6, hkv: 2, s: 3, t: 5, d: 4 };
    const { q, k, v } = inputs(shapes, 1);
    const got = causalAttention(q, k, v);
    expect(got.shape).toEqual([2, 6, 3, 4]);
    expectReference(got, { q, k, v }, shapes, 0.5);
    tf.dispose([q, k, v, got]);
  });

  it('keeps packed segments apart and honours an explicit scale', async () => {
    await tf.setBackend(backend);
    const shapes = { b: 2, hq: 2, hkv: 1, s: 5, t: 5, d: 3 };
    const segments = [
      [1, 1, 2, 2, 2],
      [0, 0, 1, 1, 1],
    ];
    const { q, k, v } = inputs(shapes, 7);
    const segmentIds = tf.tensor2d(segments, [2, 5], 'int32');
    const got = causalAttention(q, k, v, { segmentIds, scale: 0.3 });
    expectReference(got, { q, k, v }, shapes, 0.3, segments);
    tf.dispose([q, k, v, segmentIds, got]);
  });

  it('reads only the first keyLength positions of a KV cache buffer and of its segment ids', async () => {
    await tf.setBackend(backend);
    // Keys 0..t-1 in buffers of capacity 9 whose unused positions are NaN: nothing may read them.
    const shapes = { b: 2, hq: 4, hkv: 2, s: 2, t: 6, d: 4 };
    const { q, k, v } = inputs(shapes, 21);
    const segments = [
      [0, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 2, 2],
    ];
    const withCapacity = (x: tf.Tensor) => tf.concat([x, tf.fill([2, 2, 3, 4], Number.NaN)], 2);
    const kCap = withCapacity(k);
    const vCap = withCapacity(v);
    const segmentIds = tf.tensor2d(
      segments.map((row) => [...row, 7, 7, 7]),
      [2, 9],
      'int32',
    );
    const got = causalAttention(q, kCap, vCap, { segmentIds, keyLength: 6 });
    expectReference(got, { q, k, v }, shapes, 0.5, segments);
    expect(() => causalAttention(q, kCap, vCap, { keyLength: 10 })).toThrow(/keyLength/);
    tf.dispose([q, k, v, kCap, vCap, segmentIds, got]);
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const { q, k, v } = inputs({ b: 1, hq: 2, hkv: 1, s: 3, t: 4, d: 2 }, 11);
    const segmentIds = tf.tensor2d([[1, 2, 2, 2]], [1, 4], 'int32');
    const errors = finiteDifferenceErrors((a, b, c) => causalAttention(a, b, c, { segmentIds }), [q, k, v], [0, 1, 2]);
    for (const e of errors) expect(e).toBeLessThan(2e-3);
    tf.dispose([q, k, v, segmentIds]);
  });
});
