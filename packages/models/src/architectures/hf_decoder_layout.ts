// The module layout transformers uses for Llama-style decoders (LlamaModel, Qwen2Model, MistralModel…):
// model.embed_tokens, model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
// post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm, lm_head.
import type { ModuleNames } from './architecture';

export const HF_DECODER_MODULES: ModuleNames = {
  embedTokens: 'model.embed_tokens',
  finalNorm: 'model.norm',
  lmHead: 'lm_head',
  layer: (i) => ({
    inputNorm: `model.layers.${i}.input_layernorm`,
    q: `model.layers.${i}.self_attn.q_proj`,
    k: `model.layers.${i}.self_attn.k_proj`,
    v: `model.layers.${i}.self_attn.v_proj`,
    o: `model.layers.${i}.self_attn.o_proj`,
    postAttentionNorm: `model.layers.${i}.post_attention_layernorm`,
    gate: `model.layers.${i}.mlp.gate_proj`,
    up: `model.layers.${i}.mlp.up_proj`,
    down: `model.layers.${i}.mlp.down_proj`,
  }),
};
