// Shared by the cuda kernel files: the argument type, shape helpers.
import type { tf } from '../../../tf';
import { need, product } from '../../kernel_checks';
import type { CudaBackend } from '../cuda_backend';

export { allFloat32, need, product, stridesOf } from '../../kernel_checks';

export type CudaKernelArgs = {
  inputs: Record<string, tf.TensorInfo>;
  backend: CudaBackend;
  attrs?: Record<string, unknown>;
};

/** A cuda kernel: returns null when it does not handle these inputs (the counted cpu fallback runs instead). */
export interface CudaKernel {
  name: string;
  run: (args: CudaKernelArgs) => tf.TensorInfo | tf.TensorInfo[] | null;
}

/** A device copy of x into a new tensor (used where an alias is not allowed). */
export function copyOf(backend: CudaBackend, x: tf.TensorInfo, shape = x.shape, dtype = x.dtype): tf.TensorInfo {
  const out = backend.output(shape, dtype);
  const size = product(shape);
  if (size > 0) backend.addon.copy(out.ptr, backend.ptr(x), size * 4);
  return out.info;
}

/**
 * Launches the strided copy of x's elements (coordinates of `iter`, source strides and offset,
 * modulo `mod` per axis for Tile) into a contiguous or strided destination. Shapes of up to 8 axes;
 * longer ones are collapsed by the callers' layouts, which never exceed 6 here.
 */
export function stridedCopy(
  backend: CudaBackend,
  src: number,
  dst: number,
  iter: number[],
  srcStrides: number[],
  dstStrides: number[],
  srcOffset = 0,
  dstOffset = 0,
  mod: number[] = iter,
): void {
  if (product(iter) === 0) return;
  if (iter.length === 0) {
    backend.addon.stridedCopy(src, dst, [1], [0], [1], [0], srcOffset, dstOffset);
    return;
  }
  need(iter.length <= 8, () => `cuda backend: a layout kernel got ${iter.length} axes (at most 8)`);
  backend.addon.stridedCopy(src, dst, iter, srcStrides, mod, dstStrides, srcOffset, dstOffset);
}
