// A decoder-only causal language model over Hugging Face-named weights: embeddings, the family's
// decoder blocks, final RMSNorm and the (possibly tied) LM head.
import {
  crossEntropySum,
  gatherBf16,
  isBf16,
  linear,
  linearBf16,
  linearCrossEntropySum,
  rmsNorm,
  tf,
} from '@mixdistill/core';
import type { Architecture, LayerModuleNames } from '../architectures/architecture';
import type { ModelConfig } from '../config';
import type { KVCache } from '../generation/kv_cache';
import { architectureOf } from '../model_config';
import type { BlockContext, BlockOutput, LayerWeights, LinearWeights } from './decoder_block';
import { RopeTable, ropeCosSin, ropeInverseFrequencies } from './rotary';

/**
 * Replaces the output of one linear layer: `name` is its Hugging Face module name (e.g.
 * "model.layers.0.self_attn.q_proj", "lm_head"), `x` its input [..., in], `y` = x·Wᵀ + b [..., out].
 * LoRA returns y + scale · (x·Aᵀ)·Bᵀ for the modules it targets and y for the rest.
 */
export type LinearAdapter = (name: string, x: tf.Tensor, y: tf.Tensor) => tf.Tensor;

/**
 * Runs decoder layer `layer`: `block(hidden, ctx)` is the layer's pure function (hidden [b, s, hidden]
 * -> [b, s, hidden]); a runner may call it as it likes (activation checkpointing calls it again
 * in backward). It must pass every tensor the block reads through `hidden` and `ctx`.
 */
export type BlockRunner = (
  layer: number,
  hidden: tf.Tensor,
  ctx: BlockContext,
  block: (hidden: tf.Tensor, ctx: BlockContext) => tf.Tensor,
) => tf.Tensor;

export interface ForwardOptions {
  /** int32 [b, s]; default: cache length + 0..s-1 for every row. */
  positionIds?: tf.Tensor;
  /** int32 [b, s]: ids of the packed example (or padding) each input token belongs to. */
  segmentIds?: tf.Tensor;
  /** Keys/values of earlier positions; extended in place with these positions. */
  cache?: KVCache;
  /** Compute logits for the last position only ([b, 1, vocab]): all generation needs after a prefill. */
  lastPositionOnly?: boolean;
  /** Wraps each decoder block (training's activation checkpointing); not with a cache. */
  blockRunner?: BlockRunner;
}

/** The options of a training forward (no KV cache, every position's logits). */
export type TrainingForwardOptions = Pick<ForwardOptions, 'positionIds' | 'segmentIds' | 'blockRunner'>;

export class CausalLM {
  readonly architecture: Architecture;
  private adapter: LinearAdapter | null = null;
  private readonly inverseFrequencies: tf.Tensor; // [headDim / 2]
  private readonly ropeTable: RopeTable; // cos/sin of consecutive positions
  /**
   * Each layer's tensor names, built once: a decoding step looks up every layer's weights, and
   * building the ~400 names of Qwen2.5-0.5B anew each token cost ~0.25 ms of its ~21.
   */
  private readonly layerTensorNames: LayerTensorNames[];

  /** `params` maps Hugging Face tensor names to the weights; the model reads them, never copies. */
  constructor(
    readonly config: ModelConfig,
    readonly params: Map<string, tf.Variable>,
  ) {
    this.architecture = architectureOf(config);
    const frequencies = ropeInverseFrequencies(config);
    this.inverseFrequencies = tf.tensor1d(frequencies);
    this.ropeTable = new RopeTable(frequencies);
    this.layerTensorNames = Array.from({ length: config.numHiddenLayers }, (_, i) =>
      layerTensorNames(this.architecture.modules.layer(i)),
    );
  }

  /** Routes every linear layer through `adapter` (LoRA), or back to plain x·Wᵀ + b with null. */
  setLinearAdapter(adapter: LinearAdapter | null): void {
    this.adapter = adapter;
  }

  /**
   * x [..., in] · weightᵀ + bias -> [..., out], then the adapter if one is set: core's `linear`
   * for float32 weights, `linearBf16` for bf16 ones (int32), each one kernel with the bias.
   */
  readonly linear = (x: tf.Tensor, w: LinearWeights): tf.Tensor => {
    const y = isBf16(w.weight) ? linearBf16(x, w.weight, w.bias) : linear(x, w.weight, w.bias);
    return this.adapter ? this.adapter(w.name, x, y) : y;
  };

  /** A named weight; `lookup` lets training substitute tensors (e.g. for recomputation). */
  private tensor(name: string, lookup: (name: string) => tf.Tensor | undefined): tf.Tensor {
    const t = lookup(name);
    if (!t) throw new Error(`CausalLM: no tensor ${name}`);
    return t;
  }

  private readonly lookupParam = (name: string): tf.Tensor | undefined => this.params.get(name);

  /** Names of the tensors layer `index` reads, in a fixed order. */
  layerParamNames(index: number): string[] {
    this.layerWeights(index); // throws for a missing tensor
    const n = this.layerTensorNames[index];
    const names = [n.inputNorm, n.postAttentionNorm];
    for (const lin of [n.q, n.k, n.v, n.o, n.gate, n.up, n.down]) {
      names.push(lin.weight);
      if (this.params.has(lin.bias)) names.push(lin.bias);
    }
    return names;
  }

  /** Layer `index`'s weights, read through `lookup` (default: the model's variables). */
  layerWeights(index: number, lookup: (name: string) => tf.Tensor | undefined = this.lookupParam): LayerWeights {
    const names = this.layerTensorNames[index];
    if (!names) throw new Error(`CausalLM: no layer ${index} (the model has ${this.config.numHiddenLayers})`);
    const linear = (n: LinearTensorNames): LinearWeights => ({
      name: n.module,
      weight: this.tensor(n.weight, lookup),
      bias: lookup(n.bias) ?? null,
    });
    return {
      inputNorm: this.tensor(names.inputNorm, lookup),
      q: linear(names.q),
      k: linear(names.k),
      v: linear(names.v),
      o: linear(names.o),
      postAttentionNorm: this.tensor(names.postAttentionNorm, lookup),
      gate: linear(names.gate),
      up: linear(names.up),
      down: linear(names.down),
    };
  }

  /** Token embeddings. */
  embed(inputIds: tf.Tensor): tf.Tensor {
    // inputIds int32 [b, s] -> [b, s, hidden]
    const [b, s] = inputIds.shape as [number, number];
    const table = this.tensor(`${this.architecture.modules.embedTokens}.weight`, this.lookupParam);
    const ids = tf.reshape(inputIds, [b * s]);
    const rows = isBf16(table) ? gatherBf16(table, ids) : tf.gather(table, ids); // [b·s, hidden]
    return tf.reshape(rows, [b, s, this.config.hiddenSize]);
  }

  /** The per-forward context every block shares (RoPE angles, attention segments). */
  blockContext(rope: { cos: tf.Tensor; sin: tf.Tensor }, segmentIds: tf.Tensor | null): BlockContext {
    const { cos, sin } = rope;
    return { config: this.config, cos, sin, segmentIds, linear: this.linear, cache: null, plainLinear: !this.adapter };
  }

  /** Decoder layer `index` on hidden [b, s, hidden]: a pure function of its inputs. */
  block(
    index: number,
    hidden: tf.Tensor,
    ctx: BlockContext,
    weights: LayerWeights = this.layerWeights(index),
  ): BlockOutput {
    return this.architecture.block(hidden, weights, ctx);
  }

  /** Final norm and LM head: hidden [b, s, hidden] -> logits [b, s, vocab]. */
  head(hidden: tf.Tensor): tf.Tensor {
    const { norm, lmHead } = this.headWeights();
    return this.linear(rmsNorm(hidden, norm, this.config.rmsNormEps), lmHead);
  }

  /** The final norm's weight and the LM head (tied: lm_head reads embed_tokens.weight, as transformers' tie_weights makes it). */
  private headWeights(): { norm: tf.Tensor; lmHead: LinearWeights } {
    const modules = this.architecture.modules;
    const lmHeadWeight = this.config.tieWordEmbeddings ? modules.embedTokens : modules.lmHead;
    return {
      norm: this.tensor(`${modules.finalNorm}.weight`, this.lookupParam),
      lmHead: { name: modules.lmHead, weight: this.tensor(`${lmHeadWeight}.weight`, this.lookupParam), bias: null },
    };
  }

  /** Logits [b, s, vocab] for inputIds int32 [b, s]; with a cache, only the new positions are computed. */
  forward(inputIds: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [b, s] = inputIds.shape as [number, number];
      let hidden = this.hiddenStates(inputIds, options); // [b, s, hidden]
      if (options.lastPositionOnly && s > 1) hidden = tf.slice(hidden, [0, s - 1, 0], [b, 1, this.config.hiddenSize]);
      return this.head(hidden);
    });
  }

  /**
   * Σ cross-entropy of the logits for inputIds int32 [b, s] against targets int32 [b·s] (-100: not
   * counted), a float32 scalar: `crossEntropySum` of forward's logits, computed by
   * `linearCrossEntropySum`, so a backend with that fused kernel never holds the [b·s, vocab]
   * logits. With a linear adapter (LoRA may target lm_head) or bf16 weights, the logits are formed
   * as forward forms them.
   */
  lossSum(inputIds: tf.Tensor, targets: tf.Tensor, options: TrainingForwardOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const [b, s] = inputIds.shape as [number, number];
      const hidden = tf.reshape(this.hiddenStates(inputIds, options), [b * s, this.config.hiddenSize]);
      const { norm, lmHead } = this.headWeights();
      if (this.adapter || isBf16(lmHead.weight)) return crossEntropySum(this.head(hidden), targets);
      return linearCrossEntropySum(rmsNorm(hidden, norm, this.config.rmsNormEps), lmHead.weight, targets);
    });
  }

  /** The last decoder layer's output [b, s, hidden] (before the final norm); extends the cache if given. */
  private hiddenStates(inputIds: tf.Tensor, options: ForwardOptions): tf.Tensor {
    const { cache } = options;
    const [b, s] = inputIds.shape as [number, number];
    const past = cache?.length ?? 0;
    cache?.prepare(s);
    const rope = options.positionIds
      ? ropeCosSin(options.positionIds, this.inverseFrequencies)
      : this.ropeTable.consecutive(b, past, s);
    const segmentIds = cache ? cache.extendSegmentIds(options.segmentIds ?? null, b, s) : (options.segmentIds ?? null);
    const ctx = this.blockContext(rope, segmentIds);
    const { blockRunner } = options;
    if (blockRunner && cache) throw new Error('CausalLM.forward: blockRunner does not take a KV cache');
    let hidden = this.embed(inputIds); // [b, s, hidden]
    const fused = cache && !blockRunner ? this.fusedDecodingStep(hidden, ctx, cache) : null;
    if (fused) hidden = fused;
    else
      for (let i = 0; i < this.config.numHiddenLayers; i++) {
        if (blockRunner) {
          hidden = blockRunner(i, hidden, ctx, (h, c) => this.block(i, h, c).hidden);
          continue;
        }
        if (!cache) {
          hidden = this.block(i, hidden, ctx).hidden;
          continue;
        }
        // Generation records no gradients, so each layer's intermediates can go as soon as it is
        // done: kept to the end of the forward, a prefill of 16 prompts × 512 tokens held every
        // layer's MLP activations at once (23 GB peak RSS for Qwen2.5-0.5B).
        const previous = hidden;
        hidden = tf.tidy(() => this.block(i, previous, { ...ctx, cache: cache.layer(i) }).hidden);
        previous.dispose();
      }
    cache?.advance(s);
    return hidden;
  }

  /** Every layer of a decoding step as one kernel (the architecture's fusedDecodingStep), or null. */
  private fusedDecodingStep(hidden: tf.Tensor, ctx: BlockContext, cache: KVCache): tf.Tensor | null {
    const step = this.architecture.fusedDecodingStep;
    if (!step || hidden.shape[1] !== 1) return null;
    const layers = Array.from({ length: this.config.numHiddenLayers }, (_, i) => i);
    return step(
      hidden,
      layers.map((i) => this.layerWeights(i)),
      layers.map((i) => cache.layer(i)),
      ctx,
    );
  }

  /** Releases the variables and the model's own tensors. */
  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.inverseFrequencies.dispose();
  }
}

/** A linear layer's module name and its tensors' names. */
interface LinearTensorNames {
  module: string;
  weight: string;
  bias: string;
}

/** The names of one decoder layer's tensors. */
interface LayerTensorNames {
  inputNorm: string;
  postAttentionNorm: string;
  q: LinearTensorNames;
  k: LinearTensorNames;
  v: LinearTensorNames;
  o: LinearTensorNames;
  gate: LinearTensorNames;
  up: LinearTensorNames;
  down: LinearTensorNames;
}

function layerTensorNames(m: LayerModuleNames): LayerTensorNames {
  const linear = (module: string): LinearTensorNames => ({
    module,
    weight: `${module}.weight`,
    bias: `${module}.bias`,
  });
  return {
    inputNorm: `${m.inputNorm}.weight`,
    postAttentionNorm: `${m.postAttentionNorm}.weight`,
    q: linear(m.q),
    k: linear(m.k),
    v: linear(m.v),
    o: linear(m.o),
    gate: linear(m.gate),
    up: linear(m.up),
    down: linear(m.down),
  };
}
