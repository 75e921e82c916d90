// MdLinear and MdLinearGrad on the native backend (contract: ops/linear.ts). The addon calls are
// those the composition's kernels make (BatchMatMul, Add with a broadcast bias, Sum over rows), so
// the floats are the composition's; what goes is the tfjs bookkeeping around them.
import type { tf } from '../../../tf';
import { FUSED_GRAD_KERNELS, FUSED_KERNELS } from '../../../ops/fused';
import { BINARY_OPS, REDUCE_OPS } from '../../op_codes';
import { linearDims } from '../../kernel_checks';
import type { NativeBackend } from '../native_backend';
import type { KernelArgs, NativeKernel } from './kernel_util';

/** The one matrix of a product of two matrices (BatchMatMul's broadcast indices for batch 1). */
const FIRST = new Int32Array(1);

/** out [m, n] = a [m, k] · b [k, n], either operand stored transposed, at the backend's precision. */
function product(
  backend: NativeBackend,
  a: Float32Array,
  b: Float32Array,
  out: Float32Array,
  m: number,
  n: number,
  k: number,
  transposeA: boolean,
  transposeB: boolean,
): void {
  backend.addon.batchMatMul(a, b, out, 1, m, n, k, transposeA, transposeB, FIRST, FIRST, backend.precision === 'bf16');
}

// -> y [..., out] = x · weightᵀ (+ bias).
function linear({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { x, weight, bias } = inputs;
  const { rows, inDim, outDim } = linearDims(x, weight, bias);
  const y = backend.output([...x.shape.slice(0, -1), outDim]);
  if (!bias) {
    product(backend, backend.f32(x), backend.f32(weight), y.values, rows, outDim, inDim, false, true);
    return y.info;
  }
  const xw = backend.pool.take(rows * outDim); // [rows, out] before the bias, as the composition's product
  product(backend, backend.f32(x), backend.f32(weight), xw, rows, outDim, inDim, false, true);
  backend.addon.binary(
    BINARY_OPS.Add,
    xw,
    backend.f32(bias),
    y.values,
    Float64Array.of(rows, outDim),
    Float64Array.of(outDim, 1),
    Float64Array.of(0, 1),
  );
  backend.pool.release(xw);
  return y.info;
}

// -> [dx [..., in] = dy · weight, dWeight [out, in] = dyᵀ · x, dBias [out] = Σ_rows dy (attrs.bias)].
function linearGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, weight } = inputs;
  const { rows, inDim, outDim } = linearDims(x, weight, undefined);
  const dyValues = backend.f32(dy);
  const dx = backend.output(x.shape);
  product(backend, dyValues, backend.f32(weight), dx.values, rows, inDim, outDim, false, false);
  const dWeight = backend.output(weight.shape);
  product(backend, dyValues, backend.f32(x), dWeight.values, outDim, inDim, rows, true, false);
  if (!attrs?.bias) return [dx.info, dWeight.info];
  const dBias = backend.output([outDim]);
  backend.addon.reduce(REDUCE_OPS.Sum, dyValues, dBias.values, 1, rows, outDim);
  return [dx.info, dWeight.info, dBias.info];
}

export const LINEAR_NATIVE_KERNELS: NativeKernel[] = [
  { name: FUSED_KERNELS.linear, run: linear },
  { name: FUSED_GRAD_KERNELS.linear, run: linearGrad },
];
