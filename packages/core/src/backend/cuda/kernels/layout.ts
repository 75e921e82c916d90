// Layout kernels. Reshape, Identity and ExpandDims share the input's storage (zero copy, one more
// reference); Transpose, Slice, SplitV, Concat and Tile are one strided copy each (a contiguous
// Slice is copied too: device storage has no views).
import { tf } from '../../../tf';
import { copyOf, product, stridedCopy, stridesOf, type CudaKernel, type CudaKernelArgs } from './kernel_util';

function reshape({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x } = inputs;
  const shape = tf.util.inferFromImplicitShape(attrs?.shape as number[], product(x.shape));
  return backend.alias(x, shape);
}

function identity({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  return backend.alias(inputs.x, inputs.x.shape);
}

function expandDims({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { input } = inputs;
  const rank = input.shape.length;
  let dim = attrs?.dim as number;
  if (dim < 0) dim = rank + dim + 1;
  const shape = input.shape.slice();
  shape.splice(dim, 0, 1);
  return backend.alias(input, shape);
}

function transpose({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x } = inputs;
  const perm = attrs?.perm as number[];
  const outShape = perm.map((p) => x.shape[p]);
  if (perm.every((p, i) => p === i)) return copyOf(backend, x, outShape);
  const inStrides = stridesOf(x.shape);
  const out = backend.output(outShape, x.dtype);
  stridedCopy(
    backend,
    backend.ptr(x),
    out.ptr,
    outShape,
    perm.map((p) => inStrides[p]),
    stridesOf(outShape),
  );
  return out.info;
}

/** x[begin : begin + size] as a new tensor. */
function sliceOf(backend: CudaKernelArgs['backend'], x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const inStrides = stridesOf(x.shape);
  const out = backend.output(size, x.dtype);
  const offset = begin.reduce((acc, b, i) => acc + b * inStrides[i], 0);
  stridedCopy(backend, backend.ptr(x), out.ptr, size, inStrides, stridesOf(size), offset);
  return out.info;
}

function slice({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x } = inputs;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.Tensor,
    attrs?.begin as number[],
    attrs?.size as number[],
  );
  tf.slice_util.assertParamsValid(x as tf.Tensor, begin, size);
  return sliceOf(backend, x, begin, size);
}

function splitV({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo[] {
  const { x } = inputs;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs?.numOrSizeSplits as number[] | number, axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = x.shape.slice();
    size[axis] = s;
    const part = sliceOf(backend, x, begin, size);
    begin[axis] += s;
    return part;
  });
}

function concat({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const tensors = Object.values(inputs);
  const dtype = tensors[0].dtype;
  if (tensors.some((t) => t.dtype !== dtype)) return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, tensors[0].shape)[0];
  const outShape = tf.backend_util.computeOutShape(
    tensors.map((t) => t.shape),
    axis,
  );
  const out = backend.output(outShape, dtype);
  // Each input is a [outer, cols] block written at its column offset of the [outer, outCols] output.
  const outer = product(outShape, 0, axis);
  const outCols = product(outShape, axis);
  let colOffset = 0;
  for (const t of tensors) {
    const cols = product(t.shape, axis);
    if (cols > 0 && outer > 0)
      stridedCopy(backend, backend.ptr(t), out.ptr, [outer, cols], [cols, 1], [outCols, 1], 0, colOffset);
    colOffset += cols;
  }
  return out.info;
}

// inputs: an array of n tensors of one shape and dtype, attrs {axis} -> their stack, n inserted at axis
// (trainStep stacks the loss and Σ‖g‖² so that one host read fetches both).
function pack({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const tensors = Object.values(inputs);
  const { shape, dtype } = tensors[0];
  if (tensors.some((t) => t.dtype !== dtype || !tf.util.arraysEqual(t.shape, shape))) return null;
  const axis = tf.util.parseAxisParam(attrs?.axis as number, [...shape, 1])[0];
  const outShape = [...shape.slice(0, axis), tensors.length, ...shape.slice(axis)];
  const out = backend.output(outShape, dtype);
  // Input i is an [outer, inner] block at column offset i·inner of the [outer, n·inner] output.
  const outer = product(shape, 0, axis);
  const inner = product(shape, axis);
  tensors.forEach((t, i) => {
    if (outer > 0 && inner > 0)
      stridedCopy(
        backend,
        backend.ptr(t),
        out.ptr,
        [outer, inner],
        [inner, 1],
        [tensors.length * inner, 1],
        0,
        i * inner,
      );
  });
  return out.info;
}

function tile({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x } = inputs;
  const reps = attrs?.reps as number[];
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.output(outShape, x.dtype);
  stridedCopy(backend, backend.ptr(x), out.ptr, outShape, stridesOf(x.shape), stridesOf(outShape), 0, 0, x.shape);
  return out.info;
}

export const LAYOUT_KERNELS: CudaKernel[] = [
  { name: 'Reshape', run: reshape },
  { name: 'Identity', run: identity },
  { name: 'ExpandDims', run: expandDims },
  { name: 'Transpose', run: transpose },
  { name: 'Slice', run: slice },
  { name: 'SplitV', run: splitV },
  { name: 'Concat', run: concat },
  { name: 'Pack', run: pack },
  { name: 'Tile', run: tile },
];
