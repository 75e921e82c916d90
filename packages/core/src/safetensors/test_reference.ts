// Independent reference code for the safetensors tests (imported only by *.test.ts): a bare-bones
// parser that trusts the file, and the F16/BF16 formats by their textbook definitions.
import { readFileSync } from 'node:fs';

/** Raw bytes of one tensor, found by reading the whole file and its JSON header directly. */
export function rawTensorBytes(file: string, name: string): { dtype: string; shape: number[]; bytes: Uint8Array } {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const {
    dtype,
    shape,
    data_offsets: [begin, end],
  } = header[name];
  // Copied into a fresh ArrayBuffer so typed views over it are aligned.
  return { dtype, shape, bytes: new Uint8Array(buf.subarray(8 + n + begin, 8 + n + end)) };
}

/** IEEE 754 binary16 value: sign, 5-bit exponent with bias 15, 10-bit fraction. */
export function referenceHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** bfloat16 value: the pattern is the high half of a float32, read through a big-endian DataView. */
export function referenceBfloat16(b: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint16(0, b);
  view.setUint16(2, 0);
  return view.getFloat32(0);
}

/** Bit pattern of a number stored as float32. */
export function float32BitsOf(x: number): number {
  return new Uint32Array(new Float32Array([x]).buffer)[0];
}
