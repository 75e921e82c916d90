// The typed model configuration read from a Hugging Face config.json, and the readers the
// architectures use to map its fields (names as transformers' PretrainedConfig subclasses).
import { MixdistillError } from '@mixdistill/core';

/** llama3 frequency scaling, as transformers' `_compute_llama3_parameters`. */
export interface Llama3RopeScaling {
  type: 'llama3';
  /** Divides the low frequencies (long wavelengths). */
  factor: number;
  /** Wavelengths above original_max_position_embeddings / low_freq_factor are fully scaled. */
  lowFreqFactor: number;
  /** Wavelengths below original_max_position_embeddings / high_freq_factor are kept. */
  highFreqFactor: number;
  /** Context length the model was pre-trained with. */
  originalMaxPositionEmbeddings: number;
}

/** Rotary frequency scalings this project implements (null in the config: plain RoPE). */
export type RopeScaling = Llama3RopeScaling;

/** Weight dtype named by `torch_dtype`: what a checkpoint is saved in by default. */
export type TorchDtype = 'float32' | 'float16' | 'bfloat16';

/** A decoder-only causal LM's hyper-parameters, independent of the family. */
export interface ModelConfig {
  /** config.json `model_type`: picks the architecture in the registry. */
  modelType: string;
  /** Number of token embeddings (rows of embed_tokens and lm_head). */
  vocabSize: number;
  /** Width of the residual stream. */
  hiddenSize: number;
  /** Width of the SwiGLU MLP's hidden layer. */
  intermediateSize: number;
  /** Decoder blocks. */
  numHiddenLayers: number;
  /** Query heads. */
  numAttentionHeads: number;
  /** Key/value heads (grouped-query attention when fewer than query heads). */
  numKeyValueHeads: number;
  /** Width of one head (config `head_dim`, default hidden_size / num_attention_heads). */
  headDim: number;
  /** Added to the mean square in RMSNorm. */
  rmsNormEps: number;
  /** RoPE base θ: inverse frequencies are θ^(-2i/head_dim). */
  ropeTheta: number;
  /** Frequency scaling of RoPE, or null for none. */
  ropeScaling: RopeScaling | null;
  /** Longest sequence the model is configured for. */
  maxPositionEmbeddings: number;
  /** lm_head shares embed_tokens' weight (no lm_head.weight of its own). */
  tieWordEmbeddings: boolean;
  /** q_proj, k_proj and v_proj have biases. */
  qkvBias: boolean;
  /** o_proj has a bias. */
  outputBias: boolean;
  /** gate_proj, up_proj and down_proj have biases. */
  mlpBias: boolean;
  /** Dtype the checkpoint was published in; weights are always computed in float32. */
  torchDtype: TorchDtype;
  /** Beginning-of-sequence token, if the model declares one. */
  bosTokenId: number | null;
  /** Tokens that end generation (`eos_token_id` may be a number or a list). */
  eosTokenIds: number[];
  /** Padding token, if declared. */
  padTokenId: number | null;
}

/** config.json as parsed JSON. */
export type ConfigJson = Record<string, unknown>;

/** Reads config.json fields with errors that name the file and the field. */
export class ConfigReader {
  constructor(
    readonly json: ConfigJson,
    readonly file: string,
  ) {}

  fail(field: string, expected: string): never {
    const value = this.json[field];
    const got = value === undefined ? 'it is missing' : `got ${JSON.stringify(value)}`;
    throw new MixdistillError(`${this.file}: field "${field}" must be ${expected}; ${got}`);
  }

  has(field: string): boolean {
    return this.json[field] !== undefined && this.json[field] !== null;
  }

  /** A positive integer field; `fallback` is used when the field is absent. */
  positiveInt(field: string, fallback?: number): number {
    if (!this.has(field) && fallback !== undefined) return fallback;
    const v = this.json[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(field, 'a positive integer');
    return v;
  }

  positiveNumber(field: string, fallback?: number): number {
    if (!this.has(field) && fallback !== undefined) return fallback;
    const v = this.json[field];
    if (typeof v !== 'number' || !(v > 0)) this.fail(field, 'a positive number');
    return v;
  }

  boolean(field: string, fallback: boolean): boolean {
    if (!this.has(field)) return fallback;
    const v = this.json[field];
    if (typeof v !== 'boolean') this.fail(field, 'true or false');
    return v;
  }

  /** A token id, or null when absent. */
  tokenId(field: string): number | null {
    if (!this.has(field)) return null;
    const v = this.json[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(field, 'a token id (a non-negative integer)');
    return v;
  }

  /** A token id or a list of them (as `eos_token_id`); [] when absent. */
  tokenIds(field: string): number[] {
    if (!this.has(field)) return [];
    const v = this.json[field];
    const list = Array.isArray(v) ? v : [v];
    if (!list.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 0)) {
      this.fail(field, 'a token id or a list of token ids');
    }
    return list as number[];
  }

  torchDtype(): TorchDtype {
    const v = this.json.torch_dtype ?? 'float32';
    if (v !== 'float32' && v !== 'float16' && v !== 'bfloat16')
      this.fail('torch_dtype', 'one of float32, float16, bfloat16');
    return v;
  }

  /** `hidden_act` must be SiLU: the MLP is SwiGLU. */
  requireSilu(): void {
    const v = this.json.hidden_act ?? 'silu';
    if (v !== 'silu' && v !== 'swish') this.fail('hidden_act', '"silu" (the SwiGLU MLP)');
  }

  /** `rope_scaling`: null, a default one, or llama3; other kinds are not implemented. */
  ropeScaling(): RopeScaling | null {
    if (!this.has('rope_scaling')) return null;
    const raw = this.json.rope_scaling;
    if (typeof raw !== 'object' || Array.isArray(raw)) this.fail('rope_scaling', 'an object or null');
    const scaling = raw as Record<string, unknown>;
    const kind = scaling.rope_type ?? scaling.type;
    if (kind === 'default') return null;
    if (kind !== 'llama3') {
      throw new MixdistillError(
        `${this.file}: field "rope_scaling.rope_type" is ${JSON.stringify(kind)}; supported: "llama3", "default" (or rope_scaling null)`,
      );
    }
    const nested = new ConfigReader(scaling, `${this.file} (rope_scaling)`);
    return {
      type: 'llama3',
      factor: nested.positiveNumber('factor'),
      lowFreqFactor: nested.positiveNumber('low_freq_factor'),
      highFreqFactor: nested.positiveNumber('high_freq_factor'),
      originalMaxPositionEmbeddings: nested.positiveInt('original_max_position_embeddings'),
    };
  }

  /**
   * The fields every Qwen2/Llama-style config shares. Biases are family-specific and given by the
   * caller; defaults are those of transformers' config classes where it has one that all our
   * families share (num_key_value_heads = heads, head_dim = hidden / heads).
   */
  decoderFields(biases: { qkvBias: boolean; outputBias: boolean; mlpBias: boolean }): ModelConfig {
    this.requireSilu();
    const hiddenSize = this.positiveInt('hidden_size');
    const numAttentionHeads = this.positiveInt('num_attention_heads');
    const numKeyValueHeads = this.positiveInt('num_key_value_heads', numAttentionHeads);
    if (numAttentionHeads % numKeyValueHeads !== 0) {
      this.fail('num_key_value_heads', `a divisor of num_attention_heads (${numAttentionHeads})`);
    }
    const headDim = this.positiveInt('head_dim', hiddenSize / numAttentionHeads);
    if (!Number.isInteger(headDim))
      this.fail('head_dim', 'given when hidden_size is not a multiple of num_attention_heads');
    if (headDim % 2 !== 0) this.fail('head_dim', 'even (RoPE rotates pairs)');
    return {
      modelType: String(this.json.model_type),
      vocabSize: this.positiveInt('vocab_size'),
      hiddenSize,
      intermediateSize: this.positiveInt('intermediate_size'),
      numHiddenLayers: this.positiveInt('num_hidden_layers'),
      numAttentionHeads,
      numKeyValueHeads,
      headDim,
      rmsNormEps: this.positiveNumber('rms_norm_eps'),
      ropeTheta: this.positiveNumber('rope_theta'),
      ropeScaling: this.ropeScaling(),
      maxPositionEmbeddings: this.positiveInt('max_position_embeddings'),
      tieWordEmbeddings: this.boolean('tie_word_embeddings', false),
      ...biases,
      torchDtype: this.torchDtype(),
      bosTokenId: this.tokenId('bos_token_id'),
      eosTokenIds: this.tokenIds('eos_token_id'),
      padTokenId: this.tokenId('pad_token_id'),
    };
  }
}

/** The config.json fields shared by the families, from a typed config (the inverse of decoderFields). */
export function decoderFieldsJson(config: ModelConfig): ConfigJson {
  const json: ConfigJson = {
    model_type: config.modelType,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    num_key_value_heads: config.numKeyValueHeads,
    head_dim: config.headDim,
    hidden_act: 'silu',
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling: config.ropeScaling && {
      rope_type: 'llama3',
      factor: config.ropeScaling.factor,
      low_freq_factor: config.ropeScaling.lowFreqFactor,
      high_freq_factor: config.ropeScaling.highFreqFactor,
      original_max_position_embeddings: config.ropeScaling.originalMaxPositionEmbeddings,
    },
    max_position_embeddings: config.maxPositionEmbeddings,
    tie_word_embeddings: config.tieWordEmbeddings,
    torch_dtype: config.torchDtype,
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : config.eosTokenIds,
  };
  if (config.padTokenId !== null) json.pad_token_id = config.padTokenId;
  return json;
}
