// bfloat16 weights for inference: a linear layer x·Wᵀ and an embedding look-up whose weight is
// held in bf16, half the bytes of float32 (tfjs has no bf16 dtype).
//
// Storage contract: a bf16 matrix [rows, cols] (cols even) is an int32 tensor [rows, cols / 2]
// whose int32 i of a row packs elements 2i (low 16 bits) and 2i + 1 (high 16 bits): on a
// little-endian machine its bytes are exactly the bf16 array's, so a BF16 safetensors tensor is
// used as read, without a float32 copy. A bf16 value is the top half of a float32's bits.
//
// Kernels a backend may register (no gradients: bf16 weights are never trained):
// - `MdMatMulBf16`: inputs `{x, weight, bias?}`, x float32 [..., k], weight int32 [n, k / 2]
//   (packed as above), bias float32 [n] or absent → float32 [..., n] = x · Wᵀ + bias, products
//   accumulated in float32, the bias added after. The kernel may round x to bf16 first (the native
//   AVX512-BF16 path does); the result is then bf16(x) · W + bias. Any rank of x, so a decode step
//   costs one kernel call per linear layer, not four (reshape, product, bias, reshape).
// - `MdGatherBf16`: inputs `{table, indices}`, table int32 [rows, h / 2], indices int32 [n] →
//   float32 [n, h], the rows widened exactly.
// The fallbacks widen the weight with tfjs int32 ops and a 65536-entry float32 table (exact on
// every backend), then call matMul / gather in float32.
import { MixdistillError } from '../errors';
import { bfloat16ToFloat32, float32ToBfloat16 } from '../safetensors/half_float';
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** The float32 value of every bf16 bit pattern, for the fallbacks' look-up. */
let widenTable: Float32Array | undefined;
function bf16Values(): Float32Array {
  if (!widenTable) {
    widenTable = new Float32Array(65536);
    for (let b = 0; b < 65536; b++) widenTable[b] = bfloat16ToFloat32(b);
  }
  return widenTable;
}

/** A backend that provides its own storage for int32 tensors (the native backend: huge pages). */
interface Int32Allocator {
  allocInt32(n: number): Int32Array;
}

/**
 * Storage for a packed bf16 matrix of `elements` values (even), to fill and then pass to
 * `bf16Tensor`: the active backend's own when it has some (then the tensor uses it without a
 * copy), else a plain Int32Array.
 */
export function bf16Storage(elements: number): Int32Array {
  const backend = tf.backend() as Partial<Int32Allocator>;
  return backend.allocInt32 ? backend.allocInt32(elements / 2) : new Int32Array(elements / 2);
}

/**
 * Packs float32 values [rows, cols] into the bf16 storage above (`out`, else a new array),
 * rounding to nearest even (as torch's `.to(torch.bfloat16)`); `where` names the tensor in the
 * error for an odd `cols`.
 */
export function packBf16(
  values: Float32Array,
  shape: readonly [number, number],
  where: string,
  out?: Int32Array,
): Int32Array {
  const [rows, cols] = shape;
  if (cols % 2 !== 0) throw new MixdistillError(`${where}: bf16 needs an even last dimension, got [${rows}, ${cols}]`);
  const packed = out ?? new Int32Array((rows * cols) / 2);
  const halves = new Uint16Array(packed.buffer, packed.byteOffset, rows * cols);
  for (let i = 0; i < halves.length; i++) halves[i] = float32ToBfloat16(values[i]);
  return packed;
}

/** A bf16 matrix [rows, cols] as the packed int32 tensor [rows, cols / 2] (see the contract above). */
export function bf16Tensor(packed: Int32Array, shape: readonly [number, number]): tf.Tensor2D {
  return tf.tensor2d(packed, [shape[0], shape[1] / 2], 'int32');
}

/** Whether `w` is a packed bf16 weight (int32); float32 weights are used as they are. */
export function isBf16(w: tf.Tensor): boolean {
  return w.dtype === 'int32';
}

/**
 * x [..., k] · Wᵀ (+ bias [n]) → float32 [..., n], W bf16 [n, k] packed as int32 [n, k / 2].
 * Kernel `MdMatMulBf16`.
 */
export function linearBf16(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null = null): tf.Tensor {
  const k = x.shape[x.shape.length - 1] as number;
  const [n, halfK] = weight.shape as [number, number];
  if (weight.dtype !== 'int32' || weight.rank !== 2 || halfK * 2 !== k) {
    throw new Error(
      `linearBf16: x [${x.shape}] needs weight int32 [n, ${k / 2}], got ${weight.dtype} [${weight.shape}]`,
    );
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== n)) {
    throw new Error(`linearBf16: bias must be [${n}], got [${bias.shape}]`);
  }
  if (hasFusedKernel(FUSED_KERNELS.linearBf16)) {
    return runFusedKernel(FUSED_KERNELS.linearBf16, bias ? { x, weight, bias } : { x, weight });
  }
  return linearBf16Unfused(x, weight, bias);
}

/** Rows of a bf16 table [rows, h] (int32 [rows, h / 2]) at int32 `indices` [n] → float32 [n, h]. Kernel `MdGatherBf16`. */
export function gatherBf16(table: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  if (table.dtype !== 'int32' || table.rank !== 2 || indices.rank !== 1) {
    throw new Error(
      `gatherBf16: needs table int32 [rows, h/2] and indices [n], got [${table.shape}], [${indices.shape}]`,
    );
  }
  if (hasFusedKernel(FUSED_KERNELS.gatherBf16)) return runFusedKernel(FUSED_KERNELS.gatherBf16, { table, indices });
  return gatherBf16Unfused(table, indices);
}

/** The packed weight [r, c/2] widened to float32 [r, c] with tfjs ops: the fallbacks' and tests' reference. */
export function widenBf16(packed: tf.Tensor): tf.Tensor2D {
  const [r, half] = packed.shape as [number, number];
  return tf.tidy(() => {
    const word = tf.scalar(65536, 'int32');
    const low = tf.mod(packed, word); // [r, c/2] element 2i: 0..65535 (floored mod of a signed int32)
    const high = tf.mod(tf.floorDiv(packed, word), word); // element 2i + 1
    const table = tf.tensor1d(bf16Values());
    const pairs = tf.stack([tf.gather(table, low), tf.gather(table, high)], 2); // [r, c/2, 2]
    return tf.reshape(pairs, [r, half * 2]) as tf.Tensor2D;
  });
}

/** The composition of tfjs ops for backends without `MdMatMulBf16`: widen W, then x · Wᵀ (+ bias) in float32. */
export function linearBf16Unfused(x: tf.Tensor, weight: tf.Tensor, bias: tf.Tensor | null = null): tf.Tensor {
  const k = x.shape[x.shape.length - 1] as number;
  const n = weight.shape[0] as number;
  const m = tf.util.sizeFromShape(x.shape.slice(0, -1)); // not [-1, k]: k may be 0
  return tf.tidy(() => {
    const y = tf.matMul(tf.reshape(x, [m, k]), widenBf16(weight), false, true); // [m, n]
    return tf.reshape(bias ? tf.add(y, bias) : y, [...x.shape.slice(0, -1), n]);
  });
}

/** The composition of tfjs ops for backends without `MdGatherBf16`: gather packed rows, then widen. */
export function gatherBf16Unfused(table: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  return tf.tidy(() => widenBf16(tf.gather(table, indices)));
}
