// The demo's students: tiny Qwen2-architecture models initialised from scratch, saved as ordinary
// Hugging Face checkpoint folders (config.json + model.safetensors + tokenizer files), so `train`,
// `generate`, `eval` and `inspect` accept them like any downloaded model.
import { MixdistillError } from '@mixdistill/core';
import { createModel, parseModelConfig, saveModel } from '@mixdistill/models';

/** The shape of one student. */
export interface StudentSize {
  /** name used in folder names and tables */
  name: string;
  /** width of the residual stream */
  hiddenSize: number;
  /** decoder blocks */
  layers: number;
  /** query heads (head_dim = hiddenSize / heads) */
  heads: number;
  /** key/value heads (Qwen2 uses grouped-query attention) */
  kvHeads: number;
  /** width of the SwiGLU hidden layer (about 8/3 of hiddenSize, as Llama-style models) */
  intermediateSize: number;
}

/** The sizes `--sizes` can name, smallest first (parameter counts are for the demo's ~300-token vocabulary). */
export const STUDENT_SIZES: StudentSize[] = [
  { name: 'micro', hiddenSize: 32, layers: 2, heads: 1, kvHeads: 1, intermediateSize: 88 }, // ~0.035M
  { name: 'tiny', hiddenSize: 64, layers: 2, heads: 2, kvHeads: 1, intermediateSize: 176 }, // ~0.1M
  { name: 'small', hiddenSize: 96, layers: 2, heads: 3, kvHeads: 1, intermediateSize: 256 }, // ~0.23M
  { name: 'medium', hiddenSize: 128, layers: 2, heads: 4, kvHeads: 2, intermediateSize: 352 }, // ~0.4M
  { name: 'base', hiddenSize: 256, layers: 2, heads: 8, kvHeads: 2, intermediateSize: 704 }, // ~1.5M
];

/** Looks up sizes by name, keeping the smallest-first order; unknown names are a user error. */
export function studentSizes(names: string[]): StudentSize[] {
  for (const n of names) {
    if (!STUDENT_SIZES.some((s) => s.name === n)) {
      throw new MixdistillError(
        `--sizes: unknown student size "${n}"; choose from ${STUDENT_SIZES.map((s) => s.name).join(', ')}`,
      );
    }
  }
  return STUDENT_SIZES.filter((s) => names.includes(s.name));
}

/** Token ids the config needs (from the demo tokenizer). */
export interface SpecialIds {
  /** end of a chat turn (the end-of-sequence token) */
  eos: number;
  /** padding (<|endoftext|>, as Qwen2) */
  pad: number;
}

/** config.json of a student, in Qwen2's field names (tied embeddings, q/k/v biases, as Qwen2.5-0.5B). */
export function studentConfigJson(size: StudentSize, vocabSize: number, ids: SpecialIds): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    vocab_size: vocabSize,
    hidden_size: size.hiddenSize,
    intermediate_size: size.intermediateSize,
    num_hidden_layers: size.layers,
    num_attention_heads: size.heads,
    num_key_value_heads: size.kvHeads,
    max_position_embeddings: 1024,
    rope_theta: 10000.0,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    torch_dtype: 'float32',
    bos_token_id: null,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
  };
}

/**
 * Creates a randomly initialised student and saves it with the tokenizer files of `tokenizerDir`;
 * returns its parameter count.
 */
export function createStudent(
  dir: string,
  size: StudentSize,
  vocabSize: number,
  ids: SpecialIds,
  tokenizerDir: string,
  seed: number,
): number {
  const config = parseModelConfig(studentConfigJson(size, vocabSize, ids), `${dir}/config.json`);
  const model = createModel(config, { seed });
  let params = 0;
  for (const v of model.params.values()) params += v.size;
  saveModel(dir, model, { tokenizerDir });
  model.dispose();
  return params;
}
