// The element types a safetensors file may hold here, their sizes, and shape arithmetic.
// Names and sizes follow the safetensors format specification (huggingface/safetensors, `Dtype`).

/** Element types this project reads. Other safetensors dtypes (F8_*, U16, U32, U64, ...) are rejected. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Element types this project writes (weights and golden values are always floating point). */
export type WritableDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export const SAFETENSORS_DTYPES = Object.keys(DTYPE_BYTES) as SafetensorsDtype[];

export const WRITABLE_DTYPES: readonly WritableDtype[] = ['F32', 'F16', 'BF16'];

export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

export function isWritableDtype(value: unknown): value is WritableDtype {
  return typeof value === 'string' && (WRITABLE_DTYPES as readonly string[]).includes(value);
}

/** Number of elements of a shape (1 for a scalar `[]`); the caller has checked every dim is a safe integer >= 0. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when every dimension is a non-negative safe integer and so is their product. */
export function isValidShape(shape: unknown): shape is number[] {
  if (!Array.isArray(shape)) return false;
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) return false;
    n *= d;
  }
  return Number.isSafeInteger(n);
}
