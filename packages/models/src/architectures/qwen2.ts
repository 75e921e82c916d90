// Qwen2ForCausalLM (Qwen2, Qwen2.5): Llama layout with biases on q/k/v only (transformers'
// Qwen2Attention: q/k/v_proj bias=True, o_proj bias=False; Qwen2MLP has no biases).
import { decoderFieldsJson } from '../config';
import { fusedPreNormDecodingStep, preNormDecoderBlock } from '../model/decoder_block';
import type { Architecture } from './architecture';
import { HF_DECODER_MODULES } from './hf_decoder_layout';

export const QWEN2: Architecture = {
  modelType: 'qwen2',
  className: 'Qwen2ForCausalLM',
  parseConfig: (reader) => {
    // Sliding-window attention is not implemented: refuse rather than attend over the full context.
    if (reader.boolean('use_sliding_window', false))
      reader.fail('use_sliding_window', 'false (sliding-window attention is not supported)');
    return { ...reader.decoderFields({ qkvBias: true, outputBias: false, mlpBias: false }), modelType: 'qwen2' };
  },
  configJson: (config) => ({
    ...decoderFieldsJson(config),
    // Qwen2Config's sliding window is off in every released checkpoint; say so explicitly.
    use_sliding_window: false,
  }),
  modules: HF_DECODER_MODULES,
  block: preNormDecoderBlock,
  fusedDecodingStep: fusedPreNormDecodingStep,
};
