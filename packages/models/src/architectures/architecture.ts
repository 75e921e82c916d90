// What a model family contributes: its config mapping, its block wiring and its tensor names.
// Everything else (loading, saving, the forward pass, training, generation) is family-agnostic.
import type { ConfigJson, ConfigReader, ModelConfig } from '../config';
import type { DecoderBlock, FusedDecodingStep } from '../model/decoder_block';

/** Hugging Face module paths of one decoder layer; tensors are `<path>.weight` and `<path>.bias`. */
export interface LayerModuleNames {
  inputNorm: string;
  q: string;
  k: string;
  v: string;
  o: string;
  postAttentionNorm: string;
  gate: string;
  up: string;
  down: string;
}

/** Hugging Face module paths of the whole model. */
export interface ModuleNames {
  embedTokens: string;
  finalNorm: string;
  lmHead: string;
  layer(index: number): LayerModuleNames;
}

export interface Architecture {
  /** config.json `model_type`, e.g. "qwen2". */
  modelType: string;
  /** config.json `architectures[0]`: the transformers class, e.g. "Qwen2ForCausalLM". */
  className: string;
  /** Maps config.json to the typed config (family defaults, which biases exist, rope scalings). */
  parseConfig(reader: ConfigReader): ModelConfig;
  /** The typed config back as config.json fields that transformers' config class reads. */
  configJson(config: ModelConfig): ConfigJson;
  /** Checkpoint tensor names. */
  modules: ModuleNames;
  /** One decoder layer as a pure function of (hidden, its weights). */
  block: DecoderBlock;
  /** A decoding step through every layer as one kernel, where it computes what `block` does. */
  fusedDecodingStep?: FusedDecodingStep;
}
