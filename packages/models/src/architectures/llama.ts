// LlamaForCausalLM (Llama 2/3/3.1/3.2): biases only where attention_bias / mlp_bias say
// (transformers' LlamaAttention and LlamaMLP), llama3 RoPE frequency scaling.
import { decoderFieldsJson } from '../config';
import { fusedPreNormDecodingStep, preNormDecoderBlock } from '../model/decoder_block';
import type { Architecture } from './architecture';
import { HF_DECODER_MODULES } from './hf_decoder_layout';

export const LLAMA: Architecture = {
  modelType: 'llama',
  className: 'LlamaForCausalLM',
  parseConfig: (reader) => {
    const attentionBias = reader.boolean('attention_bias', false);
    return {
      ...reader.decoderFields({
        qkvBias: attentionBias,
        outputBias: attentionBias,
        mlpBias: reader.boolean('mlp_bias', false),
      }),
      modelType: 'llama',
    };
  },
  configJson: (config) => ({
    ...decoderFieldsJson(config),
    attention_bias: config.qkvBias,
    mlp_bias: config.mlpBias,
  }),
  modules: HF_DECODER_MODULES,
  block: preNormDecoderBlock,
  fusedDecodingStep: fusedPreNormDecodingStep,
};
