// The model shapes the benchmarks train and decode (issue 3): a 4M-parameter Llama-style model
// Qwen2.5-0.5B's exact shapes cut to 4 layers, and the full 24-layer Qwen2.5-0.5B (decoding; a
// full fine-tune of it is measured by benchmarks/src/train_qwen05b.ts). Weights are random (createModel).
import type { ConfigJson } from '@mixdistill/models';

export interface BenchConfig {
  /** Hugging Face config.json fields */
  config: ConfigJson;
  /** training batch: sequences per step */
  batch: number;
  /** training batch: tokens per sequence */
  seq: number;
}

export const BENCH_CONFIGS: Record<string, BenchConfig> = {
  tiny: {
    config: {
      architectures: ['LlamaForCausalLM'],
      model_type: 'llama',
      vocab_size: 2048,
      hidden_size: 256,
      intermediate_size: 704,
      num_hidden_layers: 4,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      max_position_embeddings: 2048,
      rope_theta: 10000,
      rms_norm_eps: 1e-5,
      tie_word_embeddings: false,
      hidden_act: 'silu',
      torch_dtype: 'float32',
    },
    batch: 4,
    seq: 128,
  },
  'qwen0.5b-4l': {
    config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      vocab_size: 151936,
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 4,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      max_position_embeddings: 32768,
      rope_theta: 1000000,
      rms_norm_eps: 1e-6,
      tie_word_embeddings: true,
      hidden_act: 'silu',
      torch_dtype: 'float32',
    },
    batch: 1,
    seq: 512,
  },
};

// The full model differs from the 4-layer cut only in its depth.
const QWEN_4L = BENCH_CONFIGS['qwen0.5b-4l'];
BENCH_CONFIGS['qwen0.5b'] = { ...QWEN_4L, config: { ...QWEN_4L.config, num_hidden_layers: 24 } };
