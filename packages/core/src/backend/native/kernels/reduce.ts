// Reductions over a contiguous run of axes; softmax and argmax over the last axis.
import { tf } from '../../../tf';
import { REDUCE_OPS } from '../../op_codes';
import { allFloat32, product, type KernelArgs, type NativeKernel } from './kernel_util';

function reduceKernel(name: keyof typeof REDUCE_OPS, axisAttr: 'axis' | 'reductionIndices'): NativeKernel {
  return {
    name,
    run: ({ inputs, backend, attrs }: KernelArgs) => {
      const { x } = inputs;
      if (!allFloat32(x) || x.shape.length === 0) return null;
      const axes = tf.util.parseAxisParam(attrs?.[axisAttr] as number | number[], x.shape).sort((p, q) => p - q);
      // Native only when the reduced axes are adjacent: x viewed as [outer, len, inner].
      for (let i = 1; i < axes.length; i++) if (axes[i] !== axes[i - 1] + 1) return null;
      if (axes.length === 0) return null;
      const first = axes[0],
        last = axes[axes.length - 1];
      const outer = product(x.shape, 0, first),
        len = product(x.shape, first, last + 1),
        inner = product(x.shape, last + 1);
      if (len === 0) return null; // empty reductions: tfjs' identities (0, -inf) come from the cpu kernel
      const keepDims = Boolean(attrs?.keepDims);
      const outShape = keepDims
        ? x.shape.map((s, d) => (axes.includes(d) ? 1 : s))
        : x.shape.filter((_, d) => !axes.includes(d));
      const out = backend.output(outShape);
      backend.addon.reduce(REDUCE_OPS[name], backend.f32(x), out.values, outer, len, inner);
      return out.info;
    },
  };
}

function softmax({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { logits } = inputs;
  const rank = logits.shape.length;
  const dim = (attrs?.dim as number | undefined) ?? -1;
  if (!allFloat32(logits) || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
  const cols = logits.shape[rank - 1];
  const out = backend.output(logits.shape);
  backend.addon.softmax(backend.f32(logits), out.values, product(logits.shape, 0, rank - 1), cols);
  return out.info;
}

/** ArgMax over the last axis (greedy decoding reads only these indices, not the logits). */
function argMax({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs;
  const rank = x.shape.length;
  if (!allFloat32(x) || rank === 0) return null;
  const [axis] = tf.util.parseAxisParam(attrs?.axis as number, x.shape);
  const cols = x.shape[rank - 1];
  if (axis !== rank - 1 || cols === 0) return null;
  const rows = product(x.shape, 0, rank - 1);
  const out = new Int32Array(rows);
  backend.addon.argMaxRows(backend.f32(x), out, rows, cols);
  return backend.makeTensorInfo(x.shape.slice(0, -1), 'int32', out);
}

export const REDUCE_KERNELS: NativeKernel[] = [
  reduceKernel('Sum', 'axis'),
  reduceKernel('Mean', 'axis'),
  reduceKernel('Max', 'reductionIndices'),
  reduceKernel('Min', 'axis'),
  { name: 'Softmax', run: softmax },
  { name: 'ArgMax', run: argMax },
];
