// Conversion of raw little-endian tensor bytes to float32 / int32 arrays, one chunk at a time so a
// large tensor never needs a second full-size copy next to its decoded form.
import { MixdistillError } from '../errors';
import type { SafetensorsDtype } from './dtype';
import { decodeBfloat16, decodeFloat16 } from './half_float';

/**
 * Decodes `count` elements of `dtype` from `raw` (an ArrayBuffer starting at byte 0, so typed views
 * are aligned) into `out` starting at `outOffset`. Float values are rounded to float32 (F64, I64 above 2^24).
 */
export function decodeToFloat32(
  dtype: SafetensorsDtype,
  raw: ArrayBuffer,
  count: number,
  out: Float32Array,
  outOffset: number,
): void {
  const dst = out.subarray(outOffset, outOffset + count);
  switch (dtype) {
    case 'F32':
      dst.set(new Float32Array(raw, 0, count));
      return;
    case 'F16':
      decodeFloat16(new Uint16Array(raw, 0, count), dst);
      return;
    case 'BF16':
      decodeBfloat16(new Uint16Array(raw, 0, count), dst);
      return;
    case 'I64': {
      const src = new BigInt64Array(raw, 0, count);
      for (let i = 0; i < count; i++) dst[i] = Number(src[i]);
      return;
    }
    default:
      dst.set(typedView(dtype, raw, count));
  }
}

/**
 * Decodes `count` integer elements into `out` at `outOffset`; I64 values must fit in int32
 * (token ids, labels, positions), otherwise the tensor is rejected rather than silently wrapped.
 */
export function decodeToInt32(
  dtype: SafetensorsDtype,
  raw: ArrayBuffer,
  count: number,
  out: Int32Array,
  outOffset: number,
  where: string,
): void {
  const dst = out.subarray(outOffset, outOffset + count);
  switch (dtype) {
    case 'I64': {
      const src = new BigInt64Array(raw, 0, count);
      for (let i = 0; i < count; i++) {
        const v = src[i];
        if (v < -2147483648n || v > 2147483647n)
          throw new MixdistillError(`${where}: I64 value ${v} does not fit in int32`);
        dst[i] = Number(v);
      }
      return;
    }
    case 'F64':
    case 'F32':
    case 'F16':
    case 'BF16':
      throw new MixdistillError(`${where}: is ${dtype}, expected an integer dtype (I64, I32, I16, I8, U8, BOOL)`);
    default:
      dst.set(typedView(dtype, raw, count));
  }
}

function typedView(dtype: 'F64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL', raw: ArrayBuffer, count: number) {
  switch (dtype) {
    case 'F64':
      return new Float64Array(raw, 0, count);
    case 'I32':
      return new Int32Array(raw, 0, count);
    case 'I16':
      return new Int16Array(raw, 0, count);
    case 'I8':
      return new Int8Array(raw, 0, count);
    case 'U8':
    case 'BOOL':
      return new Uint8Array(raw, 0, count);
  }
}
