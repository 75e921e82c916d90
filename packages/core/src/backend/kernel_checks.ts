// What every backend's kernels share: shape arithmetic and the input checks of the fused `Md*`
// kernels, whose contracts (core/src/ops) are the same on every backend.
import { tf } from '../tf';

/**
 * Throws `message` when `cond` is false (a caller's bug: wrong shapes or dtypes reached a kernel).
 * A message naming shapes is a function, called only on failure: built eagerly, the shapes' string
 * conversions ran on every call, ~1,000 a training step.
 */
export function need(cond: boolean, message: string | (() => string)): void {
  if (!cond) throw new Error(typeof message === 'string' ? message : message());
}

/** Whether every tensor is float32. */
export function allFloat32(...ts: tf.TensorInfo[]): boolean {
  return ts.every((t) => t.dtype === 'float32');
}

/** Row-major strides of a shape (in elements). */
export function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** Product of shape[from..to). */
export function product(shape: number[], from = 0, to = shape.length): number {
  let p = 1;
  for (let d = from; d < to; d++) p *= shape[d];
  return p;
}

/** Rows of a [..., last] tensor: every dimension but the last (not size / last: last may be 0). */
export function rowCount(shape: number[]): number {
  return product(shape, 0, shape.length - 1);
}

/** Sizes of a causal attention call. */
export interface AttentionDims {
  b: number;
  hq: number;
  hkv: number;
  s: number;
  /** keys attended to (attr keyLength) */
  t: number;
  d: number;
  /** positions in k/v's axis 2 (a KV cache's capacity), ≥ t */
  tStride: number;
}

/**
 * Checks MdCausalAttention's q [b, hq, s, d], k/v [b, hkv, capacity, d] and its keyLength attr
 * (default: the capacity) and returns the sizes.
 */
export function attentionDims(
  q: tf.TensorInfo,
  k: tf.TensorInfo,
  v: tf.TensorInfo,
  attrs?: Record<string, unknown>,
): AttentionDims {
  need(
    allFloat32(q, k, v) && q.shape.length === 4 && k.shape.length === 4,
    () => `MdCausalAttention: expected float32 q [b, hq, s, d], k/v [b, hkv, t, d], got [${q.shape}], [${k.shape}]`,
  );
  const [b, hq, s, d] = q.shape;
  const [kb, hkv, tStride, kd] = k.shape;
  const t = (attrs?.keyLength as number | undefined) ?? tStride;
  need(
    Number.isInteger(t) && t >= 0 && t <= tStride,
    () => `MdCausalAttention: keyLength ${t} outside k's ${tStride} positions`,
  );
  need(
    kb === b && kd === d && tf.util.arraysEqual(k.shape, v.shape),
    () => `MdCausalAttention: k [${k.shape}] / v [${v.shape}] do not fit q [${q.shape}]`,
  );
  need(hq % hkv === 0, () => `MdCausalAttention: ${hq} query heads are not a multiple of ${hkv} key/value heads`);
  need(t >= s, () => `MdCausalAttention: ${s} queries but only ${t} keys`);
  return { b, hq, hkv, s, t, d, tStride };
}

/** Checks MdCrossEntropySum's logits float32 [n, vocab] and labels int32 [n]; returns [n, vocab]. */
export function crossEntropyDims(logits: tf.TensorInfo, labels: tf.TensorInfo): [number, number] {
  need(
    allFloat32(logits) && logits.shape.length === 2,
    () => `MdCrossEntropySum: logits must be float32 [n, vocab], got ${logits.dtype} [${logits.shape}]`,
  );
  need(
    labels.dtype === 'int32' && labels.shape.length === 1 && labels.shape[0] === logits.shape[0],
    () => `MdCrossEntropySum: labels must be int32 [${logits.shape[0]}], got ${labels.dtype} [${labels.shape}]`,
  );
  return [logits.shape[0], logits.shape[1]];
}

/** Checks MdLinearCrossEntropySum's x float32 [n, in], weight [vocab, in] and labels int32 [n]. */
export function linearCrossEntropyDims(
  x: tf.TensorInfo,
  weight: tf.TensorInfo,
  labels: tf.TensorInfo,
): { n: number; inDim: number; vocab: number } {
  const [n, inDim] = x.shape;
  const [vocab, weightIn] = weight.shape;
  need(
    allFloat32(x, weight) && x.shape.length === 2 && weight.shape.length === 2 && weightIn === inDim && vocab > 0,
    () =>
      `MdLinearCrossEntropySum: expected float32 x [n, in] and weight [vocab, in], got x ${x.dtype} [${x.shape}], weight ${weight.dtype} [${weight.shape}]`,
  );
  need(
    labels.dtype === 'int32' && labels.shape.length === 1 && labels.shape[0] === n,
    () => `MdLinearCrossEntropySum: labels must be int32 [${n}], got ${labels.dtype} [${labels.shape}]`,
  );
  return { n, inDim, vocab };
}

/** Checks MdRMSNorm's x float32 [..., h] and weight [h]. */
export function checkRmsNorm(x: tf.TensorInfo, weight: tf.TensorInfo): void {
  need(allFloat32(x, weight) && x.shape.length >= 1, 'MdRMSNorm: x and weight must be float32 tensors');
  need(
    weight.shape.length === 1 && weight.shape[0] === x.shape[x.shape.length - 1],
    () => `MdRMSNorm: weight shape [${weight.shape}] does not match the last axis of x [${x.shape}]`,
  );
}

/** Checks MdRope's x [b, heads, s, d] and cos/sin [b|1, s, d/2]; returns x's sizes. */
export function ropeDims(x: tf.TensorInfo, cos: tf.TensorInfo, sin: tf.TensorInfo): [number, number, number, number] {
  need(
    allFloat32(x, cos, sin) && x.shape.length === 4 && cos.shape.length === 3,
    () => `MdRope: expected float32 x [b, heads, s, d] and cos/sin [b, s, d/2], got [${x.shape}] and [${cos.shape}]`,
  );
  const [b, heads, s, d] = x.shape;
  need(
    cos.shape[1] === s && cos.shape[2] * 2 === d && (cos.shape[0] === b || cos.shape[0] === 1),
    () => `MdRope: cos/sin shape [${cos.shape}] does not fit x [${x.shape}]`,
  );
  need(tf.util.arraysEqual(cos.shape, sin.shape), 'MdRope: cos and sin shapes differ');
  return [b, heads, s, d];
}

/** Checks MdSwiGLU's gate and up: float32 of one shape. */
export function checkSwiglu(gate: tf.TensorInfo, up: tf.TensorInfo): void {
  need(
    allFloat32(gate, up) && tf.util.arraysEqual(gate.shape, up.shape),
    () => `MdSwiGLU: gate [${gate.shape}] and up [${up.shape}] must be float32 of one shape`,
  );
}

/** Checks MdLinear's x [..., in], weight [out, in] and bias [out]: rows of x, in and out. */
export function linearDims(
  x: tf.TensorInfo,
  weight: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
): { rows: number; inDim: number; outDim: number } {
  const inDim = x.shape[x.shape.length - 1];
  const [outDim, weightIn] = weight.shape;
  // The message is built only when a check fails: a training step runs ~170 linear layers.
  if (
    !allFloat32(x, weight) ||
    x.shape.length < 1 ||
    weight.shape.length !== 2 ||
    weightIn !== inDim ||
    (bias !== undefined && (bias.dtype !== 'float32' || bias.shape.length !== 1 || bias.shape[0] !== outDim))
  ) {
    throw new Error(
      `MdLinear: expected float32 x [..., in], weight [out, in] and bias [out], got x ${x.dtype} [${x.shape}], weight ${weight.dtype} [${weight.shape}]${bias ? `, bias ${bias.dtype} [${bias.shape}]` : ''}`,
    );
  }
  return { rows: rowCount(x.shape), inDim, outDim };
}
