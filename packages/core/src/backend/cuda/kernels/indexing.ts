// GatherV2 (embedding lookups, row selection) and UnsortedSegmentSum (its gradient). An index
// outside the gathered axis sets the device error flag; the next host read throws a
// MixdistillError naming it instead of returning garbage.
import { tf } from '../../../tf';
import { product, type CudaKernel, type CudaKernelArgs } from './kernel_util';

function gatherV2({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const { x, indices } = inputs;
  if (indices.dtype !== 'int32' || ((attrs?.batchDims as number | undefined) ?? 0) !== 0) return null;
  if (x.dtype === 'string' || x.dtype === 'complex64') return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
  const outer = product(x.shape, 0, axis);
  const axisLen = x.shape[axis];
  const inner = product(x.shape, axis + 1);
  const nIdx = product(indices.shape);
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = backend.output(outShape, x.dtype);
  backend.addon.gather(backend.ptr(x), backend.ptr(indices), out.ptr, outer, axisLen, inner, nIdx);
  return out.info;
}

function unsortedSegmentSum({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const { x, segmentIds } = inputs;
  if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return null;
  const numSegments = attrs?.numSegments as number;
  const rows = product(segmentIds.shape);
  const inner = rows === 0 ? 0 : product(x.shape) / rows;
  const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  const out = backend.output(outShape, 'float32');
  backend.addon.segmentSum(backend.ptr(x), backend.ptr(segmentIds), out.ptr, rows, inner, numSegments);
  return out.info;
}

export const INDEXING_KERNELS: CudaKernel[] = [
  { name: 'GatherV2', run: gatherV2 },
  { name: 'UnsortedSegmentSum', run: unsortedSegmentSum },
];
