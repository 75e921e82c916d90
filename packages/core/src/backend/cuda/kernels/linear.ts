// MdLinear and MdLinearGrad on the device (contract: ops/linear.ts): the cuBLAS products, the
// broadcast bias add and the row sum that the composition's BatchMatMul, Add and Sum kernels
// launch, so the results are theirs; what goes is the tfjs bookkeeping around them.
import type { tf } from '../../../tf';
import { FUSED_GRAD_KERNELS, FUSED_KERNELS } from '../../../ops/fused';
import { BINARY_OPS, REDUCE_OPS } from '../../op_codes';
import { linearDims } from '../../kernel_checks';
import { DTYPE, type Ptr } from '../cuda_addon';
import type { CudaBackend } from '../cuda_backend';
import type { CudaKernel, CudaKernelArgs } from './kernel_util';

/** c [m, n] = a [m, k] · b [k, n], either operand stored transposed (one matrix: no batch strides). */
function product(
  backend: CudaBackend,
  a: Ptr,
  b: Ptr,
  c: Ptr,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): void {
  if (m * n === 0) return;
  backend.addon.gemm(a, b, c, 1, m, n, k, transA, transB, 0, 0, 0);
}

// -> y [..., out] = x · weightᵀ (+ bias).
function linear({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const { x, weight, bias } = inputs;
  const { rows, inDim, outDim } = linearDims(x, weight, bias);
  const y = backend.output([...x.shape.slice(0, -1), outDim], 'float32');
  if (!bias) {
    product(backend, backend.ptr(x), backend.ptr(weight), y.ptr, rows, outDim, inDim, false, true);
    return y.info;
  }
  const xw = backend.alloc(rows * outDim); // [rows, out] before the bias, as the composition's product
  product(backend, backend.ptr(x), backend.ptr(weight), xw, rows, outDim, inDim, false, true);
  if (rows * outDim > 0)
    backend.addon.binary(
      BINARY_OPS.Add,
      DTYPE.float32,
      xw,
      backend.ptr(bias),
      y.ptr,
      [rows, outDim],
      [outDim, 1],
      [0, 1],
    );
  // Stream order: the add launched above reads xw before any later launch can reuse it.
  backend.release(xw);
  return y.info;
}

// -> [dx [..., in] = dy · weight, dWeight [out, in] = dyᵀ · x, dBias [out] = Σ_rows dy (attrs.bias)].
function linearGrad({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo[] {
  const { dy, x, weight } = inputs;
  const { rows, inDim, outDim } = linearDims(x, weight, undefined);
  const dx = backend.output(x.shape, 'float32');
  product(backend, backend.ptr(dy), backend.ptr(weight), dx.ptr, rows, inDim, outDim, false, false);
  const dWeight = backend.output(weight.shape, 'float32');
  product(backend, backend.ptr(dy), backend.ptr(x), dWeight.ptr, outDim, inDim, rows, true, false);
  if (!attrs?.bias) return [dx.info, dWeight.info];
  const dBias = backend.output([outDim], 'float32');
  if (outDim > 0) backend.addon.reduce(REDUCE_OPS.Sum, DTYPE.float32, backend.ptr(dy), dBias.ptr, 1, rows, outDim);
  return [dx.info, dWeight.info, dBias.info];
}

export const LINEAR_CUDA_KERNELS: CudaKernel[] = [
  { name: FUSED_KERNELS.linear, run: linear },
  { name: FUSED_GRAD_KERNELS.linear, run: linearGrad },
];
