// The bf16-weight ops against a float64 reference on the same bf16-rounded values, on every
// backend (native: the kernel table start-up picked; isa_paths.test.ts reruns this file on the
// others, and on AVX-512 without AVX512-BF16).
import { describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float32ToBfloat16 } from '../safetensors/half_float';
import { tf } from '../tf';
import { bf16Tensor, gatherBf16, linearBf16, packBf16, widenBf16 } from './bf16';
import { activatableBackends, seededValues } from './op_test_helpers';

const backends = await activatableBackends();

/** Whether `backend` rounds x to bf16 before multiplying: the AVX512-BF16 paths do (dot products up to 16 rows, the bf16 GEMM above). */
function roundsInput(backend: string): boolean {
  // Read from the active backend's addon, not imported: ops/ stays free of backends (import_boundaries.test.ts).
  const addon = (tf.backend() as { addon?: { info(): { bf16: string } } }).addon;
  return backend === 'native' && addon?.info().bf16 === 'vdpbf16ps';
}

const bf16 = (v: number) => bfloat16ToFloat32(float32ToBfloat16(v));

// Sizes: decode rows (1..16, every row-tile remainder; one row with k past whole 64-value steps,
// AVX2's linear stream, ending in a pair block and in a tail), prefill rows (> 16: the packed GEMM, W
// widened as it is packed; on AVX2 up to 64 rows run a product per 16 rows instead), k with and
// without vector tails (54: whole pairs of vectors, one vector and a tail on AVX-512), n with
// column-block tails, one product big enough to run on the thread pool. From 12 rows AVX2 runs
// outer-product tiles of 6 W rows: n leaving each remainder 1..5, on threads too; k = 0.
const SHAPES: [number, number, number][] = [
  [1, 1, 2],
  [1, 9, 30],
  [1, 5, 48],
  [1, 9, 898],
  [2, 17, 64],
  [3, 8, 96],
  [4, 70, 898],
  [5, 13, 34],
  [7, 33, 130],
  [3, 11, 54],
  [6, 10, 40],
  [10, 19, 98],
  [12, 20, 130],
  [13, 11, 1040],
  [15, 9, 64],
  [16, 19, 256],
  [14, 202, 1024],
  [16, 7, 0],
  [17, 300, 66],
  [40, 9, 898],
  [1, 2048, 1024],
  // A prefill's packed GEMM on threads, k past one chunk of packing: split along n (x packed once,
  // shared) and along m (W packed once, widened from bf16 as it is packed); and 40 rows, which
  // AVX2 runs as products of 16, 16 and 8 rows on threads.
  [70, 300, 5200],
  [300, 40, 5200],
  [40, 300, 5200],
];

describe.each(backends)('bf16 weights on %s', (backend) => {
  it.each(SHAPES)(
    'linearBf16 [%i, k] · [%i, k]ᵀ, k = %i, matches the reference within float32 summation error',
    async (m, n, k) => {
      await tf.setBackend(backend);
      const xs = seededValues(m * k, m + 7 * k, 2);
      const ws = seededValues(n * k, n + 3 * k, 0.5);
      const packed = packBf16(ws, [n, k], 'w');
      const got = tf.tidy(() => linearBf16(tf.tensor2d(xs, [m, k]), bf16Tensor(packed, [n, k])).dataSync());
      const round = roundsInput(backend);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          // Reference: float64 sums of the values the kernel multiplies (bf16(w), and bf16(x) when it rounds x).
          let exact = 0;
          let magnitude = 0; // Σ|x·w|
          let rounded = 0;
          for (let p = 0; p < k; p++) {
            const x = xs[i * k + p];
            const w = ws[j * k + p];
            const xr = round ? bf16(x) : x;
            rounded += xr * bf16(w);
            exact += x * w;
            magnitude += Math.abs(x * w);
          }
          const y = got[i * n + j];
          // Same inputs: only the float32 summation order differs, |error| ≤ k·2^-24·Σ|x·w| (with
          // slack for bf16(x) growing |x| by at most 2^-8).
          expect(Math.abs(y - rounded)).toBeLessThanOrEqual(k * 2 ** -24 * magnitude * 1.01 + 1e-30);
          // Against the float32 weights: each weight is off by at most 2^-8 relative (8-bit
          // significand, round to nearest), so |Σ x·(w − bf16(w))| ≤ 2^-8·Σ|x·w|; rounding x too adds
          // the same again.
          const bound = (round ? 2 : 1) * 2 ** -8 * magnitude + k * 2 ** -24 * magnitude;
          expect(Math.abs(y - exact)).toBeLessThanOrEqual(bound);
        }
      }
    },
  );

  it('linearBf16 keeps leading dimensions and rejects a weight of the wrong width', async () => {
    await tf.setBackend(backend);
    const w = bf16Tensor(packBf16(seededValues(12, 1), [3, 4], 'w'), [3, 4]);
    const x = tf.ones([2, 5, 4]);
    expect(linearBf16(x, w).shape).toEqual([2, 5, 3]);
    expect(() => linearBf16(tf.ones([2, 6]), w)).toThrow(/linearBf16: x \[2,6\] needs weight int32 \[n, 3\]/);
    tf.dispose([w, x]);
  });

  it('linearBf16 adds the bias after the product, for any rank of x', async () => {
    await tf.setBackend(backend);
    const [k, n] = [34, 19];
    const w = bf16Tensor(packBf16(seededValues(n * k, 21, 0.5), [n, k], 'w'), [n, k]);
    const bias = tf.tensor1d(seededValues(n, 22, 3));
    const x = tf.tensor3d(seededValues(2 * 3 * k, 23, 2), [2, 3, k]);
    const withBias = linearBf16(x, w, bias);
    expect(withBias.shape).toEqual([2, 3, n]);
    const got = withBias.dataSync();
    const plain = tf.tidy(() => linearBf16(tf.reshape(x, [6, k]), w).dataSync());
    const b = bias.dataSync();
    // The same products, then one float32 addition of the bias.
    for (let i = 0; i < 6 * n; i++) expect(got[i]).toBe(Math.fround(plain[i] + b[i % n]));
    expect(() => linearBf16(x, w, tf.zeros([n + 1]))).toThrow(`linearBf16: bias must be [${n}], got [${n + 1}]`);
    tf.dispose([w, bias, x, withBias]);
  });

  it('gatherBf16 widens the rows exactly', async () => {
    await tf.setBackend(backend);
    const [rows, h] = [11, 18];
    const values = seededValues(rows * h, 5, 3);
    const table = bf16Tensor(packBf16(values, [rows, h], 't'), [rows, h]);
    const ids = [3, 0, 10, 3];
    const got = tf.tidy(() => gatherBf16(table, tf.tensor1d(ids, 'int32')).dataSync());
    const want = ids.flatMap((r) => Array.from(values.subarray(r * h, (r + 1) * h), bf16));
    expect(Array.from(got)).toEqual(want);
    table.dispose();
  });
});

describe('packBf16 and the fallback', () => {
  it('packs element 2i in the low half, rounds to nearest even, and refuses an odd width', () => {
    const packed = packBf16(new Float32Array([1, -2, 1 + 2 ** -8, 1 + 3 * 2 ** -8]), [1, 4], 'w');
    expect(Array.from(new Uint16Array(packed.buffer))).toEqual([0x3f80, 0xc000, 0x3f80, 0x3f82]);
    expect(() => packBf16(new Float32Array(3), [1, 3], 'model.w')).toThrow(
      'model.w: bf16 needs an even last dimension, got [1, 3]',
    );
  });

  it('widens negative, subnormal, infinite and NaN patterns as the bits say', async () => {
    await tf.setBackend('cpu');
    const halves = new Uint16Array([0x0001, 0x8001, 0x7f80, 0xff80, 0x7fc0, 0xbf80, 0x0000, 0x8000]);
    const got = tf.tidy(() =>
      Array.from(widenBf16(tf.tensor2d(new Int32Array(halves.buffer), [1, 4], 'int32')).dataSync()),
    );
    expect(got.slice(0, 4)).toEqual([2 ** -133, -(2 ** -133), Infinity, -Infinity]);
    expect(got[4]).toBeNaN();
    expect(got[5]).toBe(-1);
    expect(Object.is(got[6], 0) && Object.is(got[7], -0)).toBe(true);
  });
});
