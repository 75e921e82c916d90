// Fused transformer kernels under the names the ops in core/src/ops dispatch to (FUSED_KERNELS),
// their backward kernels, and the gradients that connect the two. Forward kernels keep the
// per-row statistics the backward pass needs (1/rms, log-sum-exp) next to their output tensor
// (NativeBackend side data, freed with the output), never a second copy of a big activation.
import { tf } from '../../../tf';
import { FUSED_GRAD_KERNELS, FUSED_KERNELS } from '../../../ops/fused';
import type { NativeBackend } from '../native_backend';
import {
  attentionDims,
  checkRmsNorm,
  checkSwiglu,
  crossEntropyDims,
  need,
  ropeDims,
  rowCount,
} from '../../kernel_checks';
import type { KernelArgs, NativeKernel } from './kernel_util';

function scalarValue(backend: NativeBackend, t: tf.TensorInfo): number {
  return backend.f32(t)[0];
}

// ---------------------------------------------------------------- RMSNorm
// inputs {x [..., h], weight [h]}, attrs {eps} -> y [..., h]; side data: 1/rms per row.

function rmsNormForward(backend: NativeBackend, x: tf.TensorInfo, weight: tf.TensorInfo, eps: number) {
  const h = x.shape[x.shape.length - 1];
  const rows = rowCount(x.shape);
  const out = backend.output(x.shape);
  const rstd = backend.pool.take(rows);
  backend.addon.rmsNormForward(backend.f32(x), backend.f32(weight), out.values, rstd, rows, h, eps);
  return { out, rstd, rows, h };
}

function rmsNorm({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, weight } = inputs;
  checkRmsNorm(x, weight);
  const { out, rstd } = rmsNormForward(backend, x, weight, attrs?.eps as number);
  backend.setSide(out.info, { rowStats: rstd });
  return out.info;
}

function rmsNormGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, x, weight, y } = inputs;
  let rstd = backend.getSide(y)?.rowStats;
  let scratch: ReturnType<typeof rmsNormForward> | undefined;
  if (!rstd) {
    scratch = rmsNormForward(backend, x, weight, attrs?.eps as number);
    rstd = scratch.rstd;
  }
  const h = x.shape[x.shape.length - 1];
  const rows = rowCount(x.shape);
  const dx = backend.output(x.shape);
  const dw = backend.output(weight.shape);
  backend.addon.rmsNormBackward(
    backend.f32(dy),
    backend.f32(x),
    backend.f32(weight),
    rstd,
    dx.values,
    dw.values,
    rows,
    h,
  );
  if (scratch) {
    backend.disposeData(scratch.out.info.dataId);
    backend.pool.release(scratch.rstd);
  }
  return [dx.info, dw.info];
}

// ---------------------------------------------------------------- rotary embedding
// inputs {x [b, heads, s, d], cos [b|1, s, d/2], sin [b|1, s, d/2]}, attrs {sign?: 1 | -1}.

function rope({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, cos, sin } = inputs;
  const [b, heads, s, d] = ropeDims(x, cos, sin);
  const out = backend.output(x.shape);
  const sign = (attrs?.sign as number | undefined) ?? 1;
  backend.addon.rope(
    backend.f32(x),
    backend.f32(cos),
    backend.f32(sin),
    out.values,
    b,
    heads,
    s,
    d,
    cos.shape[0],
    sign,
  );
  return out.info;
}

// ---------------------------------------------------------------- SwiGLU
// inputs {gate, up} of one shape -> silu(gate) * up.

function swiglu({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { gate, up } = inputs;
  checkSwiglu(gate, up);
  const out = backend.output(gate.shape);
  backend.addon.swigluForward(backend.f32(gate), backend.f32(up), out.values, out.values.length);
  return out.info;
}

function swigluGrad({ inputs, backend }: KernelArgs): tf.TensorInfo[] {
  const { dy, gate, up } = inputs;
  const dgate = backend.output(gate.shape),
    dup = backend.output(up.shape);
  backend.addon.swigluBackward(
    backend.f32(dy),
    backend.f32(gate),
    backend.f32(up),
    dgate.values,
    dup.values,
    dgate.values.length,
  );
  return [dgate.info, dup.info];
}

// ---------------------------------------------------------------- causal attention
// inputs {q [b, hq, s, d], k [b, hkv, cap, d], v [b, hkv, cap, d], segmentIds? int32 [b, cap]},
// attrs {scale, keyLength t ≤ cap}: the first t positions are keys (a KV cache's capacity is read in place).

function attentionForward(
  backend: NativeBackend,
  q: tf.TensorInfo,
  k: tf.TensorInfo,
  v: tf.TensorInfo,
  segmentIds: Int32Array | null,
  attrs: Record<string, unknown> | undefined,
) {
  const dims = attentionDims(q, k, v, attrs);
  const { b, hq, hkv, s, t, d, tStride } = dims;
  const out = backend.output(q.shape);
  const lse = backend.pool.take(b * hq * s);
  backend.addon.attentionForward(
    backend.f32(q),
    backend.f32(k),
    backend.f32(v),
    segmentIds,
    out.values,
    lse,
    b,
    hq,
    hkv,
    s,
    t,
    d,
    attrs?.scale as number,
    tStride,
  );
  return { out, lse, dims };
}

function causalAttention({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { q, k, v, segmentIds } = inputs;
  let seg: Int32Array | null = null;
  if (segmentIds) {
    need(
      segmentIds.dtype === 'int32' &&
        segmentIds.shape.length === 2 &&
        segmentIds.shape[0] === q.shape[0] &&
        segmentIds.shape[1] === k.shape[2],
      () =>
        `MdCausalAttention: segmentIds must be int32 [b, t] = [${q.shape[0]}, ${k.shape[2]}], got ${segmentIds.dtype} [${segmentIds.shape}]`,
    );
    seg = backend.i32(segmentIds).slice(); // kept for the backward pass
  }
  const { out, lse } = attentionForward(backend, q, k, v, seg, attrs);
  backend.setSide(out.info, { rowStats: lse, segmentIds: seg ?? undefined });
  return out.info;
}

function causalAttentionGrad({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, q, k, v, out } = inputs;
  const scale = attrs?.scale as number;
  const side = backend.getSide(out);
  need(side !== undefined, 'MdCausalAttentionGrad: the forward statistics of this output were released');
  const { b, hq, hkv, s, t, d, tStride } = attentionDims(q, k, v, attrs);
  need(tStride === t, 'MdCausalAttentionGrad: no gradient when keyLength is below the keys in k/v (a KV cache)');
  const dq = backend.output(q.shape),
    dk = backend.output(k.shape),
    dv = backend.output(v.shape);
  backend.addon.attentionBackward(
    backend.f32(q),
    backend.f32(k),
    backend.f32(v),
    side!.segmentIds ?? null,
    backend.f32(out),
    side!.rowStats,
    backend.f32(dy),
    dq.values,
    dk.values,
    dv.values,
    b,
    hq,
    hkv,
    s,
    t,
    d,
    scale,
  );
  return [dq.info, dk.info, dv.info];
}

// ---------------------------------------------------------------- cross-entropy
// inputs {logits [n, vocab], labels int32 [n]} -> scalar sum over labels != -100.

function crossEntropySum({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { logits, labels } = inputs;
  const [n, vocab] = crossEntropyDims(logits, labels);
  const lse = backend.pool.take(n);
  const loss = backend.addon.crossEntropyForward(backend.f32(logits), backend.i32(labels), lse, n, vocab);
  const out = backend.output([]);
  out.values[0] = loss;
  backend.setSide(out.info, { rowStats: lse });
  return out.info;
}

function crossEntropySumGrad({ inputs, backend }: KernelArgs): tf.TensorInfo {
  const { dy, logits, labels, loss } = inputs;
  const [n, vocab] = crossEntropyDims(logits, labels);
  const side = backend.getSide(loss);
  need(side !== undefined, 'MdCrossEntropySumGrad: the forward statistics of this loss were released');
  const dlogits = backend.output(logits.shape);
  backend.addon.crossEntropyBackward(
    backend.f32(logits),
    backend.i32(labels),
    side!.rowStats,
    scalarValue(backend, dy),
    dlogits.values,
    n,
    vocab,
  );
  return dlogits.info;
}

export const FUSED_NATIVE_KERNELS: NativeKernel[] = [
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

type Grad = () => tf.Tensor;
function run(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown> = {},
): tf.Tensor | tf.Tensor[] {
  return tf.engine().runKernel(name, inputs as never, attrs as never) as tf.Tensor | tf.Tensor[];
}

/** Gradients of the fused kernels (global in tfjs, used wherever the forward kernel ran). */
export const FUSED_GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: FUSED_KERNELS.linear,
    inputsToSave: ['x', 'weight'],
    gradFunc: (dy, saved, attrs): Record<string, Grad> => {
      const [x, weight] = saved;
      const [dx, dWeight, dBias] = run(
        FUSED_GRAD_KERNELS.linear,
        { dy: dy as tf.Tensor, x, weight },
        attrs as Record<string, unknown>,
      ) as tf.Tensor[];
      const grads: Record<string, Grad> = { x: () => dx, weight: () => dWeight };
      if (dBias) grads.bias = () => dBias;
      return grads;
    },
  },
  {
    kernelName: FUSED_KERNELS.rmsNorm,
    inputsToSave: ['x', 'weight'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs): Record<string, Grad> => {
      const [x, weight, y] = saved;
      // One kernel computes both; the one nobody asks for is disposed with the backward scope.
      const [dx, dw] = run(
        FUSED_GRAD_KERNELS.rmsNorm,
        { dy: dy as tf.Tensor, x, weight, y },
        attrs as Record<string, unknown>,
      ) as tf.Tensor[];
      return { x: () => dx, weight: () => dw };
    },
  },
  {
    kernelName: FUSED_KERNELS.applyRope,
    inputsToSave: ['x', 'cos', 'sin'],
    gradFunc: (dyIn, saved): Record<string, Grad> => {
      const dy = dyIn as tf.Tensor;
      const [x, cos, sin] = saved;
      // out1 = x1 c - x2 s, out2 = x2 c + x1 s  =>  dc = dy1 x1 + dy2 x2, ds = dy2 x1 - dy1 x2 (summed over heads).
      const trig = (
        f: (x1: tf.Tensor, x2: tf.Tensor, dy1: tf.Tensor, dy2: tf.Tensor) => tf.Tensor,
        like: tf.Tensor,
      ): tf.Tensor => {
        const [x1, x2] = tf.split(x, 2, -1);
        const [dy1, dy2] = tf.split(dy, 2, -1);
        let g = tf.sum(f(x1, x2, dy1, dy2), 1); // [b, s, d/2]
        if (like.shape[0] === 1 && g.shape[0] !== 1) g = tf.sum(g, 0, true);
        return g;
      };
      return {
        x: () => run(FUSED_KERNELS.applyRope, { x: dy, cos, sin }, { sign: -1 }) as tf.Tensor,
        cos: () => trig((x1, x2, dy1, dy2) => tf.add(tf.mul(dy1, x1), tf.mul(dy2, x2)), cos),
        sin: () => trig((x1, x2, dy1, dy2) => tf.sub(tf.mul(dy2, x1), tf.mul(dy1, x2)), sin),
      };
    },
  },
  {
    kernelName: FUSED_KERNELS.swiglu,
    inputsToSave: ['gate', 'up'],
    gradFunc: (dy, saved): Record<string, Grad> => {
      const [gate, up] = saved;
      const [dgate, dup] = run(FUSED_GRAD_KERNELS.swiglu, { dy: dy as tf.Tensor, gate, up }) as tf.Tensor[];
      return { gate: () => dgate, up: () => dup };
    },
  },
  {
    kernelName: FUSED_KERNELS.causalAttention,
    inputsToSave: ['q', 'k', 'v'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs): Record<string, Grad> => {
      const [q, k, v, out] = saved;
      const [dq, dk, dv] = run(
        FUSED_GRAD_KERNELS.causalAttention,
        { dy: dy as tf.Tensor, q, k, v, out },
        attrs as Record<string, unknown>,
      ) as tf.Tensor[];
      return { q: () => dq, k: () => dk, v: () => dv };
    },
  },
  {
    kernelName: FUSED_KERNELS.crossEntropySum,
    inputsToSave: ['logits', 'labels'],
    outputsToSave: [true],
    gradFunc: (dy, saved): Record<string, Grad> => {
      const [logits, labels, loss] = saved;
      return {
        logits: () =>
          run(FUSED_GRAD_KERNELS.crossEntropySum, { dy: dy as tf.Tensor, logits, labels, loss }) as tf.Tensor,
      };
    },
  },
  {
    // Registered by the cuda backend only (ops/linear_cross_entropy.ts); the native one runs the composition.
    kernelName: FUSED_KERNELS.linearCrossEntropySum,
    inputsToSave: ['x', 'weight', 'labels'],
    outputsToSave: [true],
    gradFunc: (dy, saved): Record<string, Grad> => {
      const [x, weight, labels, loss] = saved;
      const [dx, dWeight] = run(FUSED_GRAD_KERNELS.linearCrossEntropySum, {
        dy: dy as tf.Tensor,
        x,
        weight,
        labels,
        loss,
      }) as tf.Tensor[];
      return { x: () => dx, weight: () => dWeight };
    },
  },
];
