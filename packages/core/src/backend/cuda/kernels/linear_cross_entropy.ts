// MdLinearCrossEntropySum and its gradient on the device (contract: ops/linear_cross_entropy.ts):
// the head's product and the cross-entropy kernels of MdLinear and MdCrossEntropySum, over chunks
// of rows, so one chunk's logits [rows, vocab] exist at a time instead of the whole [n, vocab] and
// its gradient (2 × 1.2 GB at seq 2048 with Qwen2.5's vocabulary, 2 × 10 GB at batch 8). Only
// entries that also run in MdLinear and MdCrossEntropySum are launched, on row offsets of the
// tensors (pointers inside an allocation), plus the product's `beta` that sums dWeight over chunks.
import type { tf } from '../../../tf';
import { FUSED_GRAD_KERNELS, FUSED_KERNELS } from '../../../ops/fused';
import { linearCrossEntropyDims, need } from '../../kernel_checks';
import { DTYPE } from '../cuda_addon';
import { REDUCE_OPS } from '../../op_codes';
import type { CudaKernel, CudaKernelArgs } from './kernel_util';

/** Logits one chunk may hold: 2^28 floats (1 GiB). */
const CHUNK_ELEMENTS = 2 ** 28;

/**
 * Rows per chunk: as many as CHUNK_ELEMENTS allow, split evenly (2,048 rows of a 151,936-word
 * vocabulary are two chunks of 1,024, not 1,766 and 282). MIXDISTILL_CUDA_LOSS_ROWS=N caps a chunk
 * at N rows (tests use it to run several chunks on small shapes).
 */
export function lossChunkRows(n: number, vocab: number): number {
  const cap = Number(process.env.MIXDISTILL_CUDA_LOSS_ROWS);
  let rows = Math.max(1, Math.floor(CHUNK_ELEMENTS / vocab));
  if (Number.isInteger(cap) && cap > 0) rows = Math.min(rows, cap);
  const chunks = Math.max(1, Math.ceil(n / rows));
  return Math.ceil(n / chunks);
}

const F32 = 4; // bytes of a float32 or int32 element: row offsets are pointer + rows · width · 4

// inputs {x [n, in], weight [vocab, in], labels int32 [n]} -> the loss sum; side data: lse [n].
function linearCrossEntropySum({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const { x, weight, labels } = inputs;
  const { n, inDim, vocab } = linearCrossEntropyDims(x, weight, labels);
  const { addon } = backend;
  const out = backend.output([], 'float32');
  if (n === 0) {
    addon.fill(out.ptr, 1, 0, DTYPE.float32);
    return out.info;
  }
  const [xPtr, wPtr, labelPtr] = [backend.ptr(x), backend.ptr(weight), backend.ptr(labels)];
  const lse = backend.alloc(n);
  const rowLoss = backend.alloc(n);
  const rows = lossChunkRows(n, vocab);
  const logits = backend.alloc(rows * vocab); // [rows, vocab], one chunk's
  for (let r0 = 0; r0 < n; r0 += rows) {
    const c = Math.min(rows, n - r0);
    addon.gemm(xPtr + r0 * inDim * F32, wPtr, logits, 1, c, vocab, inDim, false, true, 0, 0, 0);
    // Writes this chunk's sum to out too; the sum over every row below replaces it.
    addon.crossEntropyForward(logits, labelPtr + r0 * F32, lse + r0 * F32, rowLoss + r0 * F32, out.ptr, c, vocab);
  }
  addon.reduce(REDUCE_OPS.Sum, DTYPE.float32, rowLoss, out.ptr, 1, n, 1); // one block: a fixed order
  // Stream order: the launches above read these before any later launch can reuse them.
  backend.release(logits);
  backend.release(rowLoss);
  backend.setSide(out.info, { rowStats: lse });
  return out.info;
}

// inputs {dy (scalar), x, weight, labels, loss} -> [dx [n, in], dWeight [vocab, in]].
function linearCrossEntropySumGrad({ inputs, backend }: CudaKernelArgs): tf.TensorInfo[] {
  const { dy, x, weight, labels, loss } = inputs;
  const { n, inDim, vocab } = linearCrossEntropyDims(x, weight, labels);
  const side = backend.getSide(loss);
  need(side !== undefined, 'MdLinearCrossEntropySumGrad: the forward statistics of this loss were released');
  const { addon } = backend;
  const dx = backend.output(x.shape, 'float32');
  const dWeight = backend.output(weight.shape, 'float32');
  if (n === 0) {
    addon.memset0(dWeight.ptr, vocab * inDim * F32);
    return [dx.info, dWeight.info];
  }
  const [xPtr, wPtr, labelPtr, dyPtr] = [backend.ptr(x), backend.ptr(weight), backend.ptr(labels), backend.ptr(dy)];
  const lse = side!.rowStats;
  const rows = lossChunkRows(n, vocab);
  const dlogits = backend.alloc(rows * vocab); // [rows, vocab]: a chunk's logits, then their gradient in place
  for (let r0 = 0; r0 < n; r0 += rows) {
    const c = Math.min(rows, n - r0);
    const xRows = xPtr + r0 * inDim * F32;
    addon.gemm(xRows, wPtr, dlogits, 1, c, vocab, inDim, false, true, 0, 0, 0);
    // Each element is read, then overwritten by its own gradient: in place is safe.
    addon.crossEntropyBackward(dlogits, labelPtr + r0 * F32, lse + r0 * F32, dyPtr, dlogits, c, vocab);
    addon.gemm(dlogits, wPtr, dx.ptr + r0 * inDim * F32, 1, c, inDim, vocab, false, false, 0, 0, 0);
    addon.gemm(dlogits, xRows, dWeight.ptr, 1, vocab, inDim, c, true, false, 0, 0, 0, r0 === 0 ? 0 : 1);
  }
  backend.release(dlogits);
  return [dx.info, dWeight.info];
}

export const LINEAR_CROSS_ENTROPY_CUDA_KERNELS: CudaKernel[] = [
  { name: FUSED_KERNELS.linearCrossEntropySum, run: linearCrossEntropySum },
  { name: FUSED_GRAD_KERNELS.linearCrossEntropySum, run: linearCrossEntropySumGrad },
];
