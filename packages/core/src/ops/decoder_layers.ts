// One decoding step through consecutive pre-norm decoder layers (Llama/Qwen2) as one kernel, with
// bf16 or float32 weights. Each layer:
//   h = x + o(attention(rope(q(norm1(x))), cache ← rope(k(norm1(x))), v(norm1(x))))
//   y = h + down(silu(gate(norm2(h))) * up(norm2(h)))
// A decoding step otherwise dispatches ~20 tfjs kernels a layer (~500 a token of Qwen2.5-0.5B),
// each with its engine bookkeeping between the matrix products; one kernel a layer still ran the
// JS between layers with caches that the layer's 30 MB of weights had just flushed (~0.1 ms a
// layer), so the whole stack of a model is one kernel.
//
// Kernel `MdDecoderLayers` (inference only, no gradient; no fallback: a backend without it runs
// the model's own composition, `preNormDecoderBlock` in models):
// - inputs: hidden float32 [b, 1, h]; cos, sin float32 [b, 1, d / 2] (the new position's angles);
//   segmentIds int32 [b, capacity] or absent; and for layer i (from 0), named `${i}.${name}`:
//   inputNorm, postAttentionNorm float32 [h]; the weights q, k, v, o, gate, up, down, each either
//   packed bf16 (ops/bf16.ts: int32 [out, in / 2]) or float32 [out, in], and any of qBias, kBias,
//   vBias, oBias, gateBias, upBias, downBias float32 [out]; keyCache, valueCache float32
//   [b, kvHeads, capacity, d].
// - attrs: {layers (how many), eps (RMSNorm), scale (attention), past (positions cached; the new
//   one is written there)}.
// - outputs: [hidden', keyCache'0, valueCache'0, keyCache'1, …]: the caches with the new
//   position's key (rotated) and value written at `past`. Like `MdWriteInto` the kernel consumes
//   the caches and may write them in place and return their storage.
// The native kernel runs the same table kernels as the separate ops (MdLinearBf16 for a bf16
// weight, MdLinear for a float32 one, at the backend's precision), so its results are theirs, bit
// for bit (decoder_layers.test.ts).
import type { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernelOutputs } from './fused';

/** One linear layer: W [out, in], bf16 (packed as int32 [out, in / 2]) or float32; bias [out] or null. */
export interface DecoderLinearWeights {
  weight: tf.Tensor;
  bias: tf.Tensor | null;
}

/** The layer's tensors (the models' `LayerWeights` fits). */
export interface DecoderLayerWeights {
  inputNorm: tf.Tensor; // [h]
  postAttentionNorm: tf.Tensor; // [h]
  q: DecoderLinearWeights; // [heads·d, h]
  k: DecoderLinearWeights; // [kvHeads·d, h]
  v: DecoderLinearWeights; // [kvHeads·d, h]
  o: DecoderLinearWeights; // [h, heads·d]
  gate: DecoderLinearWeights; // [intermediate, h]
  up: DecoderLinearWeights; // [intermediate, h]
  down: DecoderLinearWeights; // [h, intermediate]
}

/** A layer's weights with its slot of the KV cache. */
export interface DecoderLayerSlot {
  weights: DecoderLayerWeights;
  keyCache: tf.Tensor; // [b, kvHeads, capacity, d], consumed
  valueCache: tf.Tensor; // [b, kvHeads, capacity, d], consumed
}

/** The step's position, shared by every layer. */
export interface DecoderStep {
  cos: tf.Tensor; // [b, 1, d/2]
  sin: tf.Tensor; // [b, 1, d/2]
  /** positions already cached: the new key and value go to this position */
  past: number;
  /** int32 [b, capacity] (the first past + 1 are real), or null: plain causal attention */
  segmentIds: tf.Tensor | null;
  /** RMSNorm epsilon */
  eps: number;
}

/** The layer's linear layers, by their names in the kernel's inputs (biases: `${name}Bias`). */
export const DECODER_LAYER_LINEARS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;

/** Layer i's input names in the kernel: `${i}.inputNorm`, … and per linear `${i}.q`, `${i}.qBias`, … */
export interface DecoderLayerInputNames {
  inputNorm: string;
  postAttentionNorm: string;
  keyCache: string;
  valueCache: string;
  weight: Record<(typeof DECODER_LAYER_LINEARS)[number], string>;
  bias: Record<(typeof DECODER_LAYER_LINEARS)[number], string>;
}

/**
 * The names are built once per layer index and shared by the op and the backends: built anew, the
 * ~450 names of a 24-layer step and their hashing cost ~0.2 ms a token on each side.
 */
const inputNamesByLayer: DecoderLayerInputNames[] = [];

/** Layer i's input names (see {@link DecoderLayerInputNames}). */
export function decoderLayerInputNames(i: number): DecoderLayerInputNames {
  let names = inputNamesByLayer[i];
  if (!names) {
    const linears = (suffix: string) =>
      Object.fromEntries(DECODER_LAYER_LINEARS.map((name) => [name, `${i}.${name}${suffix}`])) as Record<
        (typeof DECODER_LAYER_LINEARS)[number],
        string
      >;
    names = {
      inputNorm: `${i}.inputNorm`,
      postAttentionNorm: `${i}.postAttentionNorm`,
      keyCache: `${i}.keyCache`,
      valueCache: `${i}.valueCache`,
      weight: linears(''),
      bias: linears('Bias'),
    };
    inputNamesByLayer[i] = names;
  }
  return names;
}

/** Whether the active backend runs the fused layer, and every weight of `w` is bf16 or float32. */
export function canRunDecoderLayers(w: DecoderLayerWeights): boolean {
  return (
    hasFusedKernel(FUSED_KERNELS.decoderLayers) &&
    DECODER_LAYER_LINEARS.every((name) => w[name].weight.dtype === 'int32' || w[name].weight.dtype === 'float32')
  );
}

/**
 * hidden [b, 1, h] → the output [b, 1, h] of the layers in order, with each layer's caches holding
 * the new position (the ones passed in are consumed). Check {@link canRunDecoderLayers} first.
 */
export function decoderLayers(
  hidden: tf.Tensor,
  layers: DecoderLayerSlot[],
  step: DecoderStep,
): { hidden: tf.Tensor; caches: { keyCache: tf.Tensor; valueCache: tf.Tensor }[] } {
  const [b, s] = hidden.shape;
  if (layers.length === 0) throw new Error('decoderLayers: no layers');
  if (hidden.rank !== 3 || s !== 1) throw new Error(`decoderLayers: hidden must be [b, 1, h], got [${hidden.shape}]`);
  const inputs: Record<string, tf.Tensor> = { hidden, cos: step.cos, sin: step.sin };
  if (step.segmentIds) inputs.segmentIds = step.segmentIds;
  let d = 0;
  layers.forEach(({ weights: w, keyCache, valueCache }, i) => {
    const [cb, , capacity] = keyCache.shape;
    d = keyCache.shape[3] ?? 0;
    if (keyCache.rank !== 4 || cb !== b) {
      throw new Error(
        `decoderLayers: the caches must be [b, kvHeads, capacity, d] with hidden's b, got [${keyCache.shape}] and hidden [${hidden.shape}] (layer ${i})`,
      );
    }
    if (!Number.isInteger(step.past) || step.past < 0 || step.past >= capacity) {
      throw new Error(`decoderLayers: past ${step.past} outside the cache's ${capacity} positions (layer ${i})`);
    }
    const names = decoderLayerInputNames(i);
    inputs[names.inputNorm] = w.inputNorm;
    inputs[names.postAttentionNorm] = w.postAttentionNorm;
    inputs[names.keyCache] = keyCache;
    inputs[names.valueCache] = valueCache;
    for (const name of DECODER_LAYER_LINEARS) {
      inputs[names.weight[name]] = w[name].weight;
      const bias = w[name].bias;
      if (bias) inputs[names.bias[name]] = bias;
    }
  });
  // The attention op's default scale, computed the same way.
  const attrs = { layers: layers.length, eps: step.eps, scale: 1 / Math.sqrt(d), past: step.past };
  const [out, ...caches] = runFusedKernelOutputs(FUSED_KERNELS.decoderLayers, inputs, attrs);
  return {
    hidden: out,
    caches: layers.map((_, i) => ({ keyCache: caches[2 * i], valueCache: caches[2 * i + 1] })),
  };
}
