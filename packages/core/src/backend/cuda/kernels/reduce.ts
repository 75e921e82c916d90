// Reductions (Sum, Max, Min, Mean), and ArgMax over the last axis. Reduced axes that form one
// contiguous run reduce in place as [outer, len, inner]; any other set is transposed to the end first.
import { tf } from '../../../tf';
import { REDUCE_OPS } from '../../op_codes';
import { DTYPE } from '../cuda_addon';
import { copyOf, product, stridedCopy, stridesOf, type CudaKernel, type CudaKernelArgs } from './kernel_util';

function reduceKernel(name: keyof typeof REDUCE_OPS): CudaKernel {
  return {
    name,
    run: ({ inputs, backend, attrs }: CudaKernelArgs) => {
      const { x } = inputs;
      const isFloat = x.dtype === 'float32';
      if (!isFloat && !(x.dtype === 'int32' && name !== 'Mean')) return null;
      const rank = x.shape.length;
      const axes = tf.util
        .parseAxisParam((attrs?.axis ?? attrs?.reductionIndices) as number | number[], x.shape)
        .sort((p, q) => p - q);
      const keepDims = attrs?.keepDims === true;
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      const finalShape = keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape;
      if (axes.length === 0) return copyOf(backend, x, finalShape);
      const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
      let src = backend.ptr(x);
      let temp = 0;
      let outer: number, len: number, inner: number;
      if (contiguous) {
        outer = product(x.shape, 0, axes[0]);
        len = product(x.shape, axes[0], axes[axes.length - 1] + 1);
        inner = product(x.shape, axes[axes.length - 1] + 1);
      } else {
        // Kept axes first, reduced axes last: [outer, len] with inner 1.
        const perm = tf.backend_util.getAxesPermutation(axes, rank)!;
        const tShape = perm.map((p) => x.shape[p]);
        const inStrides = stridesOf(x.shape);
        temp = backend.alloc(product(x.shape));
        stridedCopy(
          backend,
          src,
          temp,
          tShape,
          perm.map((p) => inStrides[p]),
          stridesOf(tShape),
        );
        src = temp;
        len = product(axes.map((a) => x.shape[a]));
        outer = product(x.shape) / Math.max(len, 1);
        inner = 1;
      }
      const out = backend.output(finalShape, x.dtype);
      backend.addon.reduce(REDUCE_OPS[name], isFloat ? DTYPE.float32 : DTYPE.int32, src, out.ptr, outer, len, inner);
      // Stream order: the reduce launched above reads temp before any later launch can reuse it.
      if (temp !== 0) backend.release(temp);
      return out.info;
    },
  };
}

/** ArgMax over the last axis (greedy decoding reads only these indices, not the logits); other axes fall back. */
function argMax({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  const rank = x.shape.length;
  if (x.dtype !== 'float32' || rank === 0) return null;
  const [axis] = tf.util.parseAxisParam(attrs?.axis as number, x.shape);
  const cols = x.shape[rank - 1];
  if (axis !== rank - 1 || cols === 0) return null;
  const out = backend.output(x.shape.slice(0, -1), 'int32');
  backend.addon.argMaxRows(backend.ptr(x), out.ptr, product(x.shape, 0, rank - 1), cols);
  return out.info;
}

export const REDUCE_KERNELS: CudaKernel[] = [
  ...(Object.keys(REDUCE_OPS) as (keyof typeof REDUCE_OPS)[]).map(reduceKernel),
  { name: 'ArgMax', run: argMax },
];
