// IEEE binary16 (F16) and bfloat16 (BF16) <-> float32 conversions, bit-exact.
// Encoding rounds to nearest, ties to even, as torch's `Tensor.to(torch.float16 / torch.bfloat16)`
// (c10/util/Half.h `fp16_ieee_from_fp32_value`, c10/util/BFloat16.h `round_to_nearest_even`).

// One float32 viewed as its bits, to move between numbers and bit patterns without allocation.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

function float32Bits(x: number): number {
  scratchF32[0] = x;
  return scratchU32[0];
}

function float32FromBits(bits: number): number {
  scratchU32[0] = bits;
  return scratchF32[0];
}

/** float32 bit pattern of an F16 bit pattern (exact: every F16 value is a float32 value). */
function float16BitsToFloat32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >>> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // inf, NaN (payload kept)
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0; // 112 = 127 - 15
  if (mantissa === 0) return sign >>> 0; // +-0
  // Subnormal F16 (mantissa * 2^-24) is a normal float32: shift the leading 1 into the implicit bit.
  let shifts = 0;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    shifts++;
  }
  return (sign | ((113 - shifts) << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/** F16 bit pattern nearest to a float32 bit pattern (ties to even; overflow -> inf; NaN -> quiet NaN). */
function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | (mantissa !== 0 ? 0x7e00 : 0x7c00);
  const halfExponent = exponent - 112; // rebias 127 -> 15
  if (halfExponent >= 0x1f) return sign | 0x7c00; // >= 65536 before rounding: infinity
  if (halfExponent <= 0) {
    // Result is an F16 subnormal (units of 2^-24) or zero. Below 2^-25 everything rounds to zero.
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000; // implicit leading 1
    const shift = 14 - halfExponent; // 14..24
    let h = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (h & 1) !== 0)) h++; // may carry into the smallest normal: still right
    return sign | h;
  }
  let h = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) !== 0)) h++; // a carry may reach 0x7c00 (inf): correct
  return sign | h;
}

/** BF16 bit pattern nearest to a float32 bit pattern (ties to even; NaN -> 0x7fc0 as torch). */
function float32BitsToBfloat16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return 0x7fc0;
  return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16; // overflow of the carry into inf is correct rounding
}

/** Value of one F16 bit pattern. */
export function float16ToFloat32(h: number): number {
  return float32FromBits(float16BitsToFloat32Bits(h));
}

/** F16 bit pattern of a number (first rounded to float32, as a Float32Array holds it). */
export function float32ToFloat16(x: number): number {
  return float32BitsToFloat16Bits(float32Bits(x));
}

/** Value of one BF16 bit pattern: its bits are the top half of the float32. */
export function bfloat16ToFloat32(b: number): number {
  return float32FromBits((b << 16) >>> 0);
}

/** BF16 bit pattern of a number (first rounded to float32). */
export function float32ToBfloat16(x: number): number {
  return float32BitsToBfloat16Bits(float32Bits(x));
}

// All 65536 F16 values as float32 bit patterns: decoding is then one table look-up per element.
let float16Table: Uint32Array | undefined;
function getFloat16Table(): Uint32Array {
  if (!float16Table) {
    float16Table = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) float16Table[h] = float16BitsToFloat32Bits(h);
  }
  return float16Table;
}

/** Decodes `src` F16 bit patterns into `dst` (same length). */
export function decodeFloat16(src: Uint16Array, dst: Float32Array): void {
  const table = getFloat16Table();
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
}

/** Decodes `src` BF16 bit patterns into `dst` (same length). */
export function decodeBfloat16(src: Uint16Array, dst: Float32Array): void {
  const out = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
}

/** Encodes `src` into F16 bit patterns in `dst` (same length). */
export function encodeFloat16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) dst[i] = float32BitsToFloat16Bits(bits[i]);
}

/** Encodes `src` into BF16 bit patterns in `dst` (same length). */
export function encodeBfloat16(src: Float32Array, dst: Uint16Array): void {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < src.length; i++) dst[i] = float32BitsToBfloat16Bits(bits[i]);
}
