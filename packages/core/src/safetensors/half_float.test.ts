// F16/BF16 conversions checked against independent arithmetic definitions of the formats, over
// every one of the 65536 bit patterns, and rounding checked against the neighbouring values.
import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat32,
  decodeBfloat16,
  decodeFloat16,
  encodeBfloat16,
  encodeFloat16,
  float16ToFloat32,
  float32ToBfloat16,
  float32ToFloat16,
} from './half_float';
import { float32BitsOf, referenceBfloat16, referenceHalf } from './test_reference';

const isNaNBits16 = (h: number, exponentMask: number) =>
  (h & exponentMask) === exponentMask && (h & ~exponentMask & 0x7fff) !== 0;
const isHalfNaN = (h: number) => isNaNBits16(h, 0x7c00);
const isBfloat16NaN = (b: number) => isNaNBits16(b, 0x7f80);

describe('F16', () => {
  it('decodes all 65536 bit patterns as the textbook definition (bit-exact, -0 kept)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = new Float32Array(65536);
    decodeFloat16(all, decoded);
    for (let h = 0; h < 65536; h++) {
      const ref = referenceHalf(h);
      if (Number.isNaN(ref)) {
        expect(Number.isNaN(decoded[h])).toBe(true);
        continue;
      }
      if (float32BitsOf(decoded[h]) !== float32BitsOf(ref))
        throw new Error(`F16 0x${h.toString(16)}: ${decoded[h]} != ${ref}`);
      expect(float16ToFloat32(h)).toBe(decoded[h]);
    }
  });

  it('round-trips every non-NaN bit pattern F16 -> float32 -> F16 exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = new Float32Array(65536);
    decodeFloat16(all, decoded);
    const back = new Uint16Array(65536);
    encodeFloat16(decoded, back);
    let checked = 0;
    for (let h = 0; h < 65536; h++) {
      if (isHalfNaN(h)) {
        expect(isHalfNaN(back[h])).toBe(true);
        continue;
      }
      if (back[h] !== h) throw new Error(`F16 0x${h.toString(16)} came back as 0x${back[h].toString(16)}`);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it('rounds to the nearest F16, ties to even, including subnormals and overflow', () => {
    expect(float32ToFloat16(65504)).toBe(0x7bff); // largest finite
    expect(float32ToFloat16(65519.99)).toBe(0x7bff); // just below the rounding boundary
    expect(float32ToFloat16(65520)).toBe(0x7c00); // tie between 65504 and 2^16 goes to even = inf
    expect(float32ToFloat16(-1e10)).toBe(0xfc00);
    expect(float32ToFloat16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16(2 ** -25)).toBe(0x0000); // tie with zero goes to even (zero)
    expect(float32ToFloat16(2 ** -25 * 1.0000001)).toBe(0x0001);
    expect(float32ToFloat16(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 units goes to even (2)
    expect(float32ToFloat16(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up from the largest subnormal into the smallest normal
    expect(float32ToFloat16(-0)).toBe(0x8000);
    expect(float32ToFloat16(1 + 2 ** -11)).toBe(0x3c00); // tie, even mantissa kept
    expect(float32ToFloat16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, rounds up to even
    expect(isHalfNaN(float32ToFloat16(NaN))).toBe(true);
    expect(float32ToFloat16(Infinity)).toBe(0x7c00);
  });

  it('picks the nearest representable value for random float32 inputs (checked against neighbours)', () => {
    checkNearest(referenceHalf, encodeFloat16, (x) => Math.abs(x) < 65520, 0x7c00);
  });
});

describe('BF16', () => {
  it('decodes all 65536 bit patterns as the top half of a float32 (bit-exact)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = new Float32Array(65536);
    decodeBfloat16(all, decoded);
    for (let b = 0; b < 65536; b++) {
      const ref = referenceBfloat16(b);
      if (Number.isNaN(ref)) {
        expect(Number.isNaN(decoded[b])).toBe(true);
        continue;
      }
      if (float32BitsOf(decoded[b]) !== float32BitsOf(ref))
        throw new Error(`BF16 0x${b.toString(16)}: ${decoded[b]} != ${ref}`);
      expect(bfloat16ToFloat32(b)).toBe(decoded[b]);
    }
  });

  it('round-trips every non-NaN bit pattern BF16 -> float32 -> BF16 exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const decoded = new Float32Array(65536);
    decodeBfloat16(all, decoded);
    const back = new Uint16Array(65536);
    encodeBfloat16(decoded, back);
    let checked = 0;
    for (let b = 0; b < 65536; b++) {
      if (isBfloat16NaN(b)) {
        expect(isBfloat16NaN(back[b])).toBe(true);
        continue;
      }
      if (back[b] !== b) throw new Error(`BF16 0x${b.toString(16)} came back as 0x${back[b].toString(16)}`);
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 127);
  });

  it('rounds to the nearest BF16, ties to even', () => {
    expect(float32ToBfloat16(1 + 2 ** -8)).toBe(0x3f80); // tie, even kept
    expect(float32ToBfloat16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie, rounds up to even
    expect(float32ToBfloat16(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above the tie
    expect(float32ToBfloat16(3.4028234663852886e38)).toBe(0x7f80); // float32 max rounds to inf
    expect(float32ToBfloat16(-0)).toBe(0x8000);
    expect(float32ToBfloat16(NaN)).toBe(0x7fc0);
  });

  it('picks the nearest representable value for random float32 inputs (checked against neighbours)', () => {
    // The midpoint between the largest finite BF16 and 2^128 rounds (to even) to infinity.
    checkNearest(referenceBfloat16, encodeBfloat16, (x) => Math.abs(x) < (1 + 255 / 256) * 2 ** 127, 0x7f80);
  });
});

/**
 * For random finite float32 values, the encoded pattern must be at least as close as both of its
 * neighbouring patterns, and on an exact tie its last bit must be 0 (ties to even).
 */
function checkNearest(
  decode: (bits: number) => number,
  encode: (src: Float32Array, dst: Uint16Array) => void,
  inRange: (x: number) => boolean,
  infinityBits: number,
): void {
  // Deterministic xorshift so a failure is reproducible.
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const inputs = new Float32Array(20000);
  const bits = new Uint32Array(inputs.buffer);
  for (let i = 0; i < inputs.length; i++) {
    // Exponents concentrated where F16 is interesting (subnormals to overflow) half the time.
    bits[i] = i % 2 === 0 ? next() : ((next() & 0x807fffff) | (((next() % 50) + 95) << 23)) >>> 0;
  }
  const encoded = new Uint16Array(inputs.length);
  encode(inputs, encoded);
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (!Number.isFinite(x)) continue;
    const h = encoded[i];
    if (!inRange(x)) {
      expect(h & 0x7fff).toBe(infinityBits);
      continue;
    }
    const err = Math.abs(decode(h) - x);
    for (const neighbour of [h - 1, h + 1]) {
      if ((neighbour & 0x7fff) >= infinityBits || neighbour < 0 || (neighbour & 0x7fff) === 0x7fff) continue;
      if ((h & 0x7fff) === 0 && neighbour === h - 1) continue; // below +-0 lies the other sign's range
      const other = Math.abs(decode(neighbour) - x);
      if (other < err || (other === err && (h & 1) === 1)) {
        throw new Error(
          `x=${x}: got 0x${h.toString(16)} (err ${err}), neighbour 0x${neighbour.toString(16)} (err ${other})`,
        );
      }
    }
  }
}
