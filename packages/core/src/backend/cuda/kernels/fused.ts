// The fused kernels of core/src/ops on the device, with the contracts of the native backend's
// (backend/native/kernels/fused.ts): same inputs, attrs and outputs, and the backward kernels
// find the forward statistics (1/rms, log-sum-exp, segment ids) by the output's dataId. The
// gradients that connect forward and backward are the native backend's FUSED_GRADIENTS (global
// in tfjs, registered by register.ts).
import type { tf } from '../../../tf';
import { FUSED_GRAD_KERNELS, FUSED_KERNELS } from '../../../ops/fused';
import type { CudaBackend } from '../cuda_backend';
import {
  type AttentionDims,
  attentionDims,
  checkRmsNorm,
  checkSwiglu,
  crossEntropyDims,
  need,
  product,
  ropeDims,
  rowCount,
} from '../../kernel_checks';
import { type CudaKernel, type CudaKernelArgs, stridedCopy } from './kernel_util';

// ---------------------------------------------------------------- RMSNorm
// inputs {x [..., h], weight [h]}, attrs {eps} -> y [..., h]; side data: 1/rms per row.

function rmsNormForward(backend: CudaBackend, x: tf.TensorInfo, weight: tf.TensorInfo, eps: number) {
  const h = x.shape[x.shape.length - 1];
  const rows = rowCount(x.shape);
  const out = backend.output(x.shape, 'float32');
  const rstd = backend.alloc(rows);
  backend.addon.rmsNormForward(backend.ptr(x), backend.ptr(weight), out.ptr, rstd, rows, h, eps);
  return { out, rstd };
}

function rmsNorm({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x, weight } = inputs;
  checkRmsNorm(x, weight);
  const { out, rstd } = rmsNormForward(backend, x, weight, attrs?.eps as number);
  backend.setSide(out.info, { rowStats: rstd });
  return out.info;
}

function rmsNormGrad({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo[] {
  const { dy, x, weight, y } = inputs;
  let rstd = backend.getSide(y)?.rowStats;
  let scratch: ReturnType<typeof rmsNormForward> | undefined;
  if (rstd === undefined) {
    // y was not made by MdRMSNorm on this backend (or its statistics are gone): recompute them.
    scratch = rmsNormForward(backend, x, weight, attrs?.eps as number);
    rstd = scratch.rstd;
  }
  const h = x.shape[x.shape.length - 1];
  const rows = rowCount(x.shape);
  const dx = backend.output(x.shape, 'float32');
  const dw = backend.output(weight.shape, 'float32');
  backend.addon.rmsNormBackward(backend.ptr(dy), backend.ptr(x), backend.ptr(weight), rstd, dx.ptr, dw.ptr, rows, h);
  if (scratch) {
    backend.disposeData(scratch.out.info.dataId, true);
    backend.release(scratch.rstd);
  }
  return [dx.info, dw.info];
}

// ---------------------------------------------------------------- rotary embedding
// inputs {x [b, heads, s, d], cos [b|1, s, d/2], sin [b|1, s, d/2]}, attrs {sign?: 1 | -1}.

function rope({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { x, cos, sin } = inputs;
  const [b, heads, s, d] = ropeDims(x, cos, sin);
  const out = backend.output(x.shape, 'float32');
  const sign = (attrs?.sign as number | undefined) ?? 1;
  backend.addon.rope(backend.ptr(x), backend.ptr(cos), backend.ptr(sin), out.ptr, b, heads, s, d, cos.shape[0], sign);
  return out.info;
}

// ---------------------------------------------------------------- SwiGLU
// inputs {gate, up} of one shape -> silu(gate) * up.

function swiglu({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const { gate, up } = inputs;
  checkSwiglu(gate, up);
  const out = backend.output(gate.shape, 'float32');
  backend.addon.swigluForward(backend.ptr(gate), backend.ptr(up), out.ptr, product(gate.shape));
  return out.info;
}

function swigluGrad({ inputs, backend }: CudaKernelArgs): tf.TensorInfo[] {
  const { dy, gate, up } = inputs;
  const dgate = backend.output(gate.shape, 'float32'),
    dup = backend.output(up.shape, 'float32');
  backend.addon.swigluBackward(
    backend.ptr(dy),
    backend.ptr(gate),
    backend.ptr(up),
    dgate.ptr,
    dup.ptr,
    product(gate.shape),
  );
  return [dgate.info, dup.info];
}

// ---------------------------------------------------------------- causal attention
// inputs {q [b, hq, s, d], k [b, hkv, t, d], v [b, hkv, t, d], segmentIds? int32 [b, t]}, attrs {scale}.

/** The shared checks plus this kernel's own limit on the head dimension. */
function cudaAttentionDims(
  q: tf.TensorInfo,
  k: tf.TensorInfo,
  v: tf.TensorInfo,
  attrs?: Record<string, unknown>,
): AttentionDims {
  const dims = attentionDims(q, k, v, attrs);
  need(dims.d <= 256, () => `MdCausalAttention: head dim ${dims.d} is above the cuda kernel's 256`);
  return dims;
}

/**
 * The first t of `rows` positions of each of `outer` rows of `inner` values, as a new device buffer
 * (the keys of a KV cache whose capacity exceeds them: this kernel reads t-row blocks).
 */
function leadingRows(backend: CudaBackend, x: tf.TensorInfo, outer: number, rows: number, t: number, inner: number) {
  const out = backend.alloc(outer * t * inner);
  stridedCopy(backend, backend.ptr(x), out, [outer, t * inner], [rows * inner, 1], [t * inner, 1]);
  return out;
}

function causalAttention({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo {
  const { q, k, v, segmentIds } = inputs;
  const { b, hq, hkv, s, t, d, tStride } = cudaAttentionDims(q, k, v, attrs);
  let seg = 0;
  if (segmentIds) {
    need(
      segmentIds.dtype === 'int32' &&
        segmentIds.shape.length === 2 &&
        segmentIds.shape[0] === b &&
        segmentIds.shape[1] === tStride,
      () =>
        `MdCausalAttention: segmentIds must be int32 [b, t] = [${b}, ${tStride}], got ${segmentIds.dtype} [${segmentIds.shape}]`,
    );
    // Kept for the backward pass: the caller may dispose its segment ids before then.
    seg = leadingRows(backend, segmentIds, b, tStride, t, 1);
  }
  // A KV cache's unused capacity: this kernel reads keys as t-row blocks, so copy the t rows.
  const kv =
    tStride === t
      ? null
      : [leadingRows(backend, k, b * hkv, tStride, t, d), leadingRows(backend, v, b * hkv, tStride, t, d)];
  const out = backend.output(q.shape, 'float32');
  const lse = backend.alloc(b * hq * s);
  backend.addon.attentionForward(
    backend.ptr(q),
    kv ? kv[0] : backend.ptr(k),
    kv ? kv[1] : backend.ptr(v),
    seg,
    out.ptr,
    lse,
    b,
    hq,
    hkv,
    s,
    t,
    d,
    attrs?.scale as number,
  );
  for (const p of kv ?? []) backend.release(p); // stream order: the kernel reads them before any reuse
  backend.setSide(out.info, { rowStats: lse, segmentIds: seg === 0 ? undefined : seg });
  return out.info;
}

function causalAttentionGrad({ inputs, backend, attrs }: CudaKernelArgs): tf.TensorInfo[] {
  const { dy, q, k, v, out } = inputs;
  const side = backend.getSide(out);
  need(side !== undefined, 'MdCausalAttentionGrad: the forward statistics of this output were released');
  const { b, hq, hkv, s, t, d, tStride } = cudaAttentionDims(q, k, v, attrs);
  need(tStride === t, 'MdCausalAttentionGrad: no gradient when keyLength is below the keys in k/v (a KV cache)');
  const dq = backend.output(q.shape, 'float32'),
    dk = backend.output(k.shape, 'float32'),
    dv = backend.output(v.shape, 'float32');
  const delta = backend.alloc(b * hq * s);
  backend.addon.attentionBackward(
    backend.ptr(q),
    backend.ptr(k),
    backend.ptr(v),
    side!.segmentIds ?? 0,
    backend.ptr(out),
    side!.rowStats,
    backend.ptr(dy),
    dq.ptr,
    dk.ptr,
    dv.ptr,
    delta,
    b,
    hq,
    hkv,
    s,
    t,
    d,
    attrs?.scale as number,
  );
  backend.release(delta); // stream order: the backward kernel reads it before any later launch reuses it
  return [dq.info, dk.info, dv.info];
}

// ---------------------------------------------------------------- cross-entropy
// inputs {logits [n, vocab], labels int32 [n]} -> scalar sum over labels != -100 (stays on the device).

function crossEntropySum({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const { logits, labels } = inputs;
  const [n, vocab] = crossEntropyDims(logits, labels);
  const lse = backend.alloc(n);
  const rowLoss = backend.alloc(n);
  const out = backend.output([], 'float32');
  backend.addon.crossEntropyForward(backend.ptr(logits), backend.ptr(labels), lse, rowLoss, out.ptr, n, vocab);
  backend.release(rowLoss);
  backend.setSide(out.info, { rowStats: lse });
  return out.info;
}

function crossEntropySumGrad({ inputs, backend }: CudaKernelArgs): tf.TensorInfo {
  const { dy, logits, labels, loss } = inputs;
  const [n, vocab] = crossEntropyDims(logits, labels);
  const side = backend.getSide(loss);
  need(side !== undefined, 'MdCrossEntropySumGrad: the forward statistics of this loss were released');
  const dlogits = backend.output(logits.shape, 'float32');
  backend.addon.crossEntropyBackward(
    backend.ptr(logits),
    backend.ptr(labels),
    side!.rowStats,
    backend.ptr(dy),
    dlogits.ptr,
    n,
    vocab,
  );
  return dlogits.info;
}

export const FUSED_CUDA_KERNELS: CudaKernel[] = [
  { name: FUSED_KERNELS.rmsNorm, run: rmsNorm },
  { name: FUSED_GRAD_KERNELS.rmsNorm, run: rmsNormGrad },
  { name: FUSED_KERNELS.applyRope, run: rope },
  { name: FUSED_KERNELS.swiglu, run: swiglu },
  { name: FUSED_GRAD_KERNELS.swiglu, run: swigluGrad },
  { name: FUSED_KERNELS.causalAttention, run: causalAttention },
  { name: FUSED_GRAD_KERNELS.causalAttention, run: causalAttentionGrad },
  { name: FUSED_KERNELS.crossEntropySum, run: crossEntropySum },
  { name: FUSED_GRAD_KERNELS.crossEntropySum, run: crossEntropySumGrad },
];
