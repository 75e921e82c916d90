// A block written into a larger tensor along one axis: what a KV cache does with each decoding
// step's keys and values, so that it never copies the positions it already holds.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/**
 * `buffer` with `update`'s values at positions offset..offset+n-1 of `axis` (n = update's size on
 * that axis; every other axis the same, one dtype). The buffer is consumed: the caller must not read
 * it again, only the result. Inference only: no gradient.
 * Fused kernel `MdWriteInto`: inputs `{buffer, update}`, attrs `{axis, offset}`. A backend may write
 * into the buffer's storage when no other tensor shares it and return that storage (its reference
 * count raised, as tfjs' Reshape returns its input), which makes an append cost the update alone. The
 * fallback (a concat of slices) copies the whole buffer.
 */
export function writeInto(buffer: tf.Tensor, update: tf.Tensor, axis: number, offset: number): tf.Tensor {
  checkWriteInto(buffer.shape, update.shape, buffer.dtype, update.dtype, axis, offset);
  if (hasFusedKernel(FUSED_KERNELS.writeInto)) {
    return runFusedKernel(FUSED_KERNELS.writeInto, { buffer, update }, { axis, offset });
  }
  return writeIntoUnfused(buffer, update, axis, offset);
}

/** The composition of tfjs ops (a new tensor): the path for backends without the kernel, and the test reference. */
export function writeIntoUnfused(buffer: tf.Tensor, update: tf.Tensor, axis: number, offset: number): tf.Tensor {
  return tf.tidy(() => {
    const n = update.shape[axis];
    const length = buffer.shape[axis];
    const part = (from: number, size: number) => {
      const begin = buffer.shape.map((_, i) => (i === axis ? from : 0));
      const sizes = buffer.shape.map((d, i) => (i === axis ? size : d));
      return tf.slice(buffer, begin, sizes);
    };
    const parts = [part(0, offset), update, part(offset + n, length - offset - n)].filter((t) => t.shape[axis] > 0);
    return parts.length === 1 ? tf.clone(parts[0]) : tf.concat(parts, axis);
  });
}

/** The shape contract of writeInto, shared by its kernels. */
export function checkWriteInto(
  buffer: readonly number[],
  update: readonly number[],
  bufferDtype: string,
  updateDtype: string,
  axis: number,
  offset: number,
): void {
  const fits =
    buffer.length === update.length &&
    Number.isInteger(axis) &&
    axis >= 0 &&
    axis < buffer.length &&
    buffer.every((d, i) => i === axis || d === update[i]) &&
    Number.isInteger(offset) &&
    offset >= 0 &&
    offset + update[axis] <= buffer[axis];
  if (!fits)
    throw new Error(`writeInto: update [${update}] does not fit buffer [${buffer}] at ${offset} of axis ${axis}`);
  if (bufferDtype !== updateDtype) throw new Error(`writeInto: buffer is ${bufferDtype} but update is ${updateDtype}`);
}
