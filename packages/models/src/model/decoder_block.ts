// The pre-norm decoder layer of Llama-style models (transformers' LlamaDecoderLayer / Qwen2DecoderLayer):
//   h = x + o_proj(attention(rope(q_proj(norm1(x))), rope(k_proj(…)), v_proj(…)))
//   y = h + down_proj(silu(gate_proj(norm2(h))) * up_proj(norm2(h)))
// A pure function of (hidden, the layer's weights, the context): training can recompute it for
// activation checkpointing, and generation passes the cached keys/values in the context.
import { applyRope, canRunDecoderLayers, causalAttention, decoderLayers, rmsNorm, swiglu, tf } from '@mixdistill/core';
import type { ModelConfig } from '../config';

/** One linear layer's tensors and its Hugging Face module name (for adapters such as LoRA). */
export interface LinearWeights {
  name: string;
  weight: tf.Tensor; // [out, in]
  bias: tf.Tensor | null; // [out]
}

/** The tensors of one decoder layer. */
export interface LayerWeights {
  inputNorm: tf.Tensor; // [hidden]
  q: LinearWeights; // [heads * headDim, hidden]
  k: LinearWeights; // [kvHeads * headDim, hidden]
  v: LinearWeights; // [kvHeads * headDim, hidden]
  o: LinearWeights; // [hidden, heads * headDim]
  postAttentionNorm: tf.Tensor; // [hidden]
  gate: LinearWeights; // [intermediate, hidden]
  up: LinearWeights; // [intermediate, hidden]
  down: LinearWeights; // [hidden, intermediate]
}

/** x [..., in] -> [..., out]; every projection goes through this so adapters can wrap it. */
export type LinearFn = (x: tf.Tensor, weights: LinearWeights) => tf.Tensor;

/** A layer's slot in a KV cache. */
export interface LayerCache {
  /**
   * Stores this forward pass's keys/values [b, kvHeads, s, headDim] (RoPE applied) after the cached
   * positions; returns every key/value so far, as buffers [b, kvHeads, capacity, headDim] whose first
   * `length` positions are keys (the rest is unused capacity).
   */
  append(key: tf.Tensor, value: tf.Tensor): { key: tf.Tensor; value: tf.Tensor; length: number };
  /**
   * For a kernel that writes the new positions itself: the buffers [b, kvHeads, capacity, headDim]
   * and the position to write at, or null before the first write. The kernel consumes the buffers;
   * `replace` takes the ones it returns.
   */
  buffers(): { key: tf.Tensor; value: tf.Tensor; offset: number } | null;
  replace(key: tf.Tensor, value: tf.Tensor): void;
}

/** What a block needs besides the hidden state and its weights; shared by every layer of one forward. */
export interface BlockContext {
  config: ModelConfig;
  cos: tf.Tensor; // [b, s, headDim / 2]
  sin: tf.Tensor; // [b, s, headDim / 2]
  /**
   * int32 [b, s], with a cache [b, capacity] (the first past + s are real): attention stays within
   * equal ids; null: plain causal attention.
   */
  segmentIds: tf.Tensor | null;
  linear: LinearFn;
  /** This layer's slot in the KV cache, or null without a cache. */
  cache: LayerCache | null;
  /** `linear` is plain x·Wᵀ + b (no adapter wraps it), so a fused kernel may run the layer. */
  plainLinear: boolean;
}

export interface BlockOutput {
  hidden: tf.Tensor; // [b, s, hidden]
}

export type DecoderBlock = (hidden: tf.Tensor, weights: LayerWeights, ctx: BlockContext) => BlockOutput;

export const preNormDecoderBlock: DecoderBlock = (hidden, w, ctx) => {
  const { config: c, linear } = ctx;
  const [b, s] = hidden.shape as [number, number, number];
  const x = rmsNorm(hidden, w.inputNorm, c.rmsNormEps); // [b, s, hidden]
  const q = applyRope(toHeads(linear(x, w.q), b, s, c.numAttentionHeads, c.headDim), ctx.cos, ctx.sin);
  let key = applyRope(toHeads(linear(x, w.k), b, s, c.numKeyValueHeads, c.headDim), ctx.cos, ctx.sin);
  let value = toHeads(linear(x, w.v), b, s, c.numKeyValueHeads, c.headDim);
  let keyLength = s;
  if (ctx.cache) ({ key, value, length: keyLength } = ctx.cache.append(key, value));
  const attended = causalAttention(q, key, value, { segmentIds: ctx.segmentIds ?? undefined, keyLength }); // [b, heads, s, d]
  const h = tf.add(hidden, linear(fromHeads(attended, b, s, c.numAttentionHeads * c.headDim), w.o));
  const y = rmsNorm(h, w.postAttentionNorm, c.rmsNormEps);
  const mlp = linear(swiglu(linear(y, w.gate), linear(y, w.up)), w.down);
  return { hidden: tf.add(h, mlp) };
};

/**
 * A decoding step through every layer of a model: hidden [b, 1, hidden] with each layer's weights
 * and cache slot -> the last layer's output, or null where no fused kernel applies (the layers
 * then run one block at a time).
 */
export type FusedDecodingStep = (
  hidden: tf.Tensor,
  layers: LayerWeights[],
  caches: LayerCache[],
  ctx: BlockContext,
) => tf.Tensor | null;

/**
 * {@link preNormDecoderBlock} through every layer as one kernel, where the backend has it, every
 * weight is bf16 or float32 and each cache already holds buffers: the same floats as the blocks one
 * by one, without their ~20 dispatches a layer, and without JS between the layers.
 */
export const fusedPreNormDecodingStep: FusedDecodingStep = (hidden, layers, caches, ctx) => {
  if (hidden.shape[1] !== 1 || !ctx.plainLinear || !layers.every(canRunDecoderLayers)) return null;
  const buffers = caches.map((cache) => cache.buffers());
  const past = buffers[0]?.offset;
  if (buffers.some((b) => !b || b.offset !== past)) return null;
  const out = decoderLayers(
    hidden,
    layers.map((weights, i) => ({ weights, keyCache: buffers[i]!.key, valueCache: buffers[i]!.value })),
    { cos: ctx.cos, sin: ctx.sin, past: past as number, segmentIds: ctx.segmentIds, eps: ctx.config.rmsNormEps },
  );
  out.caches.forEach((c, i) => caches[i].replace(c.keyCache, c.valueCache));
  return out.hidden;
};

/** [b, s, heads * d] -> [b, heads, s, d]; a single position needs no transpose, only a reshape. */
function toHeads(x: tf.Tensor, b: number, s: number, heads: number, d: number): tf.Tensor {
  if (s === 1) return tf.reshape(x, [b, heads, 1, d]);
  return tf.transpose(tf.reshape(x, [b, s, heads, d]), [0, 2, 1, 3]);
}

/** [b, heads, s, d] -> [b, s, heads * d]. */
function fromHeads(x: tf.Tensor, b: number, s: number, width: number): tf.Tensor {
  if (s === 1) return tf.reshape(x, [b, 1, width]);
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, s, width]);
}
