// Causal scaled dot-product attention with grouped-query heads, as transformers' `eager_attention_forward`
// (repeat_kv, softmax(q·kᵀ·scale + causal mask)·v) for Qwen2/Llama.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** Options of {@link causalAttention}. */
export interface CausalAttentionOptions {
  /** Multiplies q·kᵀ; default 1/sqrt(d), as transformers' `self.scaling = head_dim ** -0.5`. */
  scale?: number;
  /**
   * int32 [b, t]: a query attends only to keys with its own segment id, so packed examples (or
   * left padding, given its own id) never see each other. Absent: every earlier key is visible.
   */
  segmentIds?: tf.Tensor;
  /**
   * Keys actually present: only positions 0..keyLength-1 of k, v (axis 2) and segmentIds (axis 1)
   * are keys, the rest is a KV cache's unused capacity; query i sits at key position
   * keyLength - s + i. Default: all of k's positions. No gradient when below k's length.
   */
  keyLength?: number;
}

/** Added to masked scores: finite, so a fully masked row gives a uniform row instead of NaN. */
const MASKED_SCORE = -1e30;

/**
 * Attention of s queries over t keys (t ≥ s; with a KV cache the queries are the last s positions,
 * so query i sits at key position t - s + i and sees keys 0..t-s+i). Query head h reads key/value
 * head floor(h / (hq / hkv)), as repeat_kv does.
 * Fused kernel `MdCausalAttention`: inputs `{q, k, v}` plus `segmentIds` when given, attrs
 * `{scale, keyLength}` (keyLength = t ≤ k's axis 2, whose remaining positions the kernel never reads).
 */
export function causalAttention(
  q: tf.Tensor, // [b, hq, s, d]
  k: tf.Tensor, // [b, hkv, capacity ≥ t, d]
  v: tf.Tensor, // [b, hkv, capacity, d]
  options: CausalAttentionOptions = {},
): tf.Tensor {
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.rank - 1] as number);
  const capacity = k.shape[2] as number;
  const keyLength = options.keyLength ?? capacity;
  if (!(Number.isInteger(keyLength) && keyLength >= 0 && keyLength <= capacity))
    throw new Error(`causalAttention: keyLength ${keyLength} is outside k's ${capacity} positions`);
  if (hasFusedKernel(FUSED_KERNELS.causalAttention)) {
    const inputs: Record<string, tf.Tensor> = { q, k, v };
    if (options.segmentIds) inputs.segmentIds = options.segmentIds;
    return runFusedKernel(FUSED_KERNELS.causalAttention, inputs, { scale, keyLength });
  }
  return causalAttentionUnfused(q, k, v, { ...options, scale });
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function causalAttentionUnfused(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: CausalAttentionOptions = {},
): tf.Tensor {
  if (options.keyLength !== undefined && options.keyLength < (k.shape[2] as number)) {
    const t = options.keyLength;
    return tf.tidy(() =>
      causalAttentionUnfused(
        q,
        tf.slice(k, [0, 0, 0, 0], [-1, -1, t, -1]),
        tf.slice(v, [0, 0, 0, 0], [-1, -1, t, -1]),
        {
          scale: options.scale,
          segmentIds: options.segmentIds ? tf.slice(options.segmentIds, [0, 0], [-1, t]) : undefined,
        },
      ),
    );
  }
  const [b, hq, s, d] = q.shape as [number, number, number, number];
  const [, hkv, t] = k.shape as [number, number, number, number];
  if (hq % hkv !== 0)
    throw new Error(`causalAttention: ${hq} query heads are not a multiple of ${hkv} key/value heads`);
  if (t < s) throw new Error(`causalAttention: ${s} queries but only ${t} keys`);
  const group = hq / hkv;
  const scale = options.scale ?? 1 / Math.sqrt(d);
  return tf.tidy(() => {
    // Heads kv·group + g share kv head `kv`, so grouping the query heads is a free reshape and
    // k/v are never repeated: one batched matmul per kv head covers its `group` query heads.
    const qg = tf.reshape(tf.mul(q, scale), [b * hkv, group * s, d]);
    const kg = tf.reshape(k, [b * hkv, t, d]);
    const vg = tf.reshape(v, [b * hkv, t, d]);
    let scores = tf.reshape(tf.matMul(qg, kg, false, true), [b, hq, s, t]);
    const bias = attentionBias(s, t, options.segmentIds); // [b or 1, 1, s, t] or null
    if (bias) scores = tf.add(scores, bias);
    const probs = tf.reshape(tf.softmax(scores), [b * hkv, group * s, t]);
    return tf.reshape(tf.matMul(probs, vg), [b, hq, s, d]);
  });
}

/** 0 where query i may see key j, MASKED_SCORE elsewhere; null when nothing is masked. */
function attentionBias(s: number, t: number, segmentIds?: tf.Tensor): tf.Tensor | null {
  // A single query at the last position sees every key: the usual decode step needs no mask.
  if (!segmentIds && s === 1) return null;
  const queryPos = tf.reshape(tf.range(t - s, t, 1, 'int32'), [s, 1]);
  const keyPos = tf.reshape(tf.range(0, t, 1, 'int32'), [1, t]);
  let allowed = tf.lessEqual(keyPos, queryPos); // [s, t]
  if (segmentIds) {
    const [b] = segmentIds.shape;
    const querySeg = tf.reshape(tf.slice(segmentIds, [0, t - s], [b, s]), [b, s, 1]);
    const keySeg = tf.reshape(segmentIds, [b, 1, t]);
    allowed = tf.logicalAnd(allowed, tf.equal(querySeg, keySeg)); // [b, s, t]
  } else {
    allowed = tf.reshape(allowed, [1, s, t]);
  }
  const bias = tf.where(allowed, tf.scalar(0), tf.scalar(MASKED_SCORE)); // [b or 1, s, t]
  return tf.expandDims(bias, 1);
}
