// Matrix products in bf16 precision (`--precision bf16`, mixed-precision training) on the native
// backend: both operands rounded to bfloat16, float32 accumulation. Checked against a float64
// reference on the rounded values, on the kernel table start-up picked (vdpbf16ps pair panels
// where the CPU has AVX512-BF16); isa_paths.test.ts reruns this file on the generic, AVX2 and
// AVX-512-without-BF16 tables, which multiply the rounded values with the float32 micro-kernel.
import { afterEach, describe, expect, it } from 'vitest';
import { bfloat16ToFloat32, float32ToBfloat16 } from '../../safetensors/half_float';
import { tf } from '../../tf';
import { seededValues } from '../../ops/op_test_helpers';
import { setNativePrecision } from './register';
import { ADDON_BUILT, SKIP_REASON } from './test_helpers';

const bf16 = (v: number) => bfloat16ToFloat32(float32ToBfloat16(v));

/** a [m, k] (or [k, m] when transposeA) · b [k, n] (or [n, k]) in float64 on bf16-rounded values; also Σ|a·b|. */
function reference(
  a: Float32Array,
  b: Float32Array,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
): { product: Float64Array; magnitude: Float64Array } {
  const product = new Float64Array(m * n);
  const magnitude = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let mag = 0;
      for (let p = 0; p < k; p++) {
        const x = bf16(transposeA ? a[p * m + i] : a[i * k + p]);
        const y = bf16(transposeB ? b[j * k + p] : b[p * n + j]);
        sum += x * y;
        mag += Math.abs(x * y);
      }
      product[i * n + j] = sum;
      magnitude[i * n + j] = mag;
    }
  return { product, magnitude };
}

// [m, n, k]: one micro-tile and less, edge tiles in both directions, odd k (the last bf16 pair
// half empty), k over one 320-deep block, and products big enough for the thread pool's shared
// packing (strips along n, then along m).
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 40, 9],
  [12, 32, 64],
  [13, 33, 65],
  [30, 70, 333],
  [100, 260, 700],
  [260, 100, 96],
];

describe.skipIf(!ADDON_BUILT)(`bf16 matrix products on native${SKIP_REASON}`, () => {
  afterEach(() => setNativePrecision('fp32'));

  for (const [m, n, k] of SHAPES) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      it(`[${m}, ${k}]${transposeA ? 'ᵀ' : ''} · [${k}, ${n}]${transposeB ? 'ᵀ' : ''} is the float32-accumulated product of the rounded operands`, async () => {
        await tf.setBackend('native');
        setNativePrecision('bf16');
        const a = seededValues(m * k, m + 11 * k, 2);
        const b = seededValues(k * n, n + 5 * k, 0.5);
        const got = tf.tidy(() =>
          tf
            .matMul(
              tf.tensor2d(a, transposeA ? [k, m] : [m, k]),
              tf.tensor2d(b, transposeB ? [n, k] : [k, n]),
              transposeA,
              transposeB,
            )
            .dataSync(),
        );
        const { product, magnitude } = reference(a, b, m, n, k, transposeA, transposeB);
        for (let i = 0; i < m * n; i++) {
          // The products of bf16 values are exact in float32; only the float32 sums round:
          // |error| ≤ k·2^-24·Σ|a·b| (vdpbf16ps also flushes subnormals, far below this bound here).
          expect(Math.abs(got[i] - product[i])).toBeLessThanOrEqual(k * 2 ** -24 * magnitude[i] * 1.01 + 1e-30);
        }
      });
    }
  }

  it('batched and broadcast products round too, and differ from fp32 by the rounding of the operands', async () => {
    await tf.setBackend('native');
    const [batch, m, n, k] = [3, 20, 45, 50];
    const a = seededValues(batch * m * k, 3, 1);
    const b = seededValues(k * n, 4, 1);
    const run = () => tf.tidy(() => tf.matMul(tf.tensor3d(a, [batch, m, k]), tf.tensor3d(b, [1, k, n])).dataSync());
    const exact = run();
    setNativePrecision('bf16');
    const got = run();
    let fromExact = 0;
    for (let s = 0; s < batch; s++) {
      const { product, magnitude } = reference(a.subarray(s * m * k, (s + 1) * m * k), b, m, n, k, false, false);
      for (let i = 0; i < m * n; i++) {
        const y = got[s * m * n + i];
        expect(Math.abs(y - product[i])).toBeLessThanOrEqual(k * 2 ** -24 * magnitude[i] * 1.01);
        // Each operand is within 2^-9 of its float32 value (relative), so each product within ~2^-8.
        expect(Math.abs(y - exact[s * m * n + i])).toBeLessThanOrEqual(
          2 ** -8 * magnitude[i] * 1.01 + k * 2 ** -23 * magnitude[i],
        );
        fromExact = Math.max(fromExact, Math.abs(y - exact[s * m * n + i]));
      }
    }
    expect(fromExact).toBeGreaterThan(1e-4); // the operands were rounded
  });
});
