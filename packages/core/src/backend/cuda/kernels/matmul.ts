// BatchMatMul through cuBLAS: a[..., m, k] · b[..., k, n] (either transposed), batch dimensions
// broadcast as tfjs does. One strided-batched call when each operand's batch index advances by a
// fixed step (the usual case, including a shared 2-D weight: step 0); one call per batch otherwise.
import { tf } from '../../../tf';
import { product, type CudaKernel, type CudaKernelArgs } from './kernel_util';

/** For each output batch index, the batch index of an operand with batch shape `shape`. */
function batchIndex(shape: number[], outBatch: number[]): Int32Array {
  const n = product(outBatch);
  const idx = new Int32Array(n);
  const rankDiff = outBatch.length - shape.length;
  for (let i = 0; i < n; i++) {
    let rest = i,
      src = 0,
      stride = 1;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      const c = rest % outBatch[d];
      rest = Math.floor(rest / outBatch[d]);
      const sd = d - rankDiff;
      if (sd >= 0) {
        if (shape[sd] !== 1) src += c * stride;
        stride *= shape[sd];
      }
    }
    idx[i] = src;
  }
  return idx;
}

/** The fixed step of idx, or null when it has none. */
function stepOf(idx: Int32Array): number | null {
  if (idx.length < 2) return 0;
  const step = idx[1] - idx[0];
  for (let i = 2; i < idx.length; i++) if (idx[i] - idx[i - 1] !== step) return null;
  return idx[0] === 0 ? step : null;
}

function batchMatMul({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo | null {
  const { a, b } = inputs;
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return null;
  const transA = attrs?.transposeA === true,
    transB = attrs?.transposeB === true;
  const ar = a.shape.length,
    br = b.shape.length;
  const m = transA ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = transA ? a.shape[ar - 2] : a.shape[ar - 1];
  const kb = transB ? b.shape[br - 1] : b.shape[br - 2];
  const n = transB ? b.shape[br - 2] : b.shape[br - 1];
  if (k !== kb) throw new Error(`BatchMatMul: inner dimensions ${k} and ${kb} of [${a.shape}] and [${b.shape}] differ`);
  const aBatch = a.shape.slice(0, -2),
    bBatch = b.shape.slice(0, -2);
  const outBatch = tf.backend_util.assertAndGetBroadcastShape(aBatch, bBatch);
  const out = backend.output([...outBatch, m, n], 'float32');
  const batch = product(outBatch);
  if (batch * m * n === 0) return out.info;
  const aIdx = batchIndex(aBatch, outBatch),
    bIdx = batchIndex(bBatch, outBatch);
  const sa = stepOf(aIdx),
    sb = stepOf(bIdx);
  if (sa !== null && sb !== null) {
    backend.addon.gemm(
      backend.ptr(a),
      backend.ptr(b),
      out.ptr,
      batch,
      m,
      n,
      k,
      transA,
      transB,
      sa * m * k,
      sb * k * n,
      m * n,
    );
  } else {
    backend.addon.gemmIndexed(backend.ptr(a), backend.ptr(b), out.ptr, m, n, k, transA, transB, aIdx, bIdx);
  }
  return out.info;
}

export const MATMUL_KERNELS: CudaKernel[] = [{ name: 'BatchMatMul', run: batchMatMul }];
