// The tensors a config implies: Hugging Face name, shape and how transformers initialises it.
import type { ModuleNames } from '../architectures/architecture';
import type { ModelConfig } from '../config';

/** How `createModel` fills a tensor, as transformers' `_init_weights` (normal std initializer_range = 0.02). */
export type ParameterInit = 'normal' | 'zeros' | 'ones';

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: ParameterInit;
}

/** Every trainable tensor, in checkpoint order: embeddings, layers, final norm, untied lm_head. */
export function parameterSpecs(config: ModelConfig, modules: ModuleNames): ParameterSpec[] {
  const { hiddenSize: h, intermediateSize: inter, headDim: d } = config;
  const qWidth = config.numAttentionHeads * d;
  const kvWidth = config.numKeyValueHeads * d;
  const specs: ParameterSpec[] = [
    { name: `${modules.embedTokens}.weight`, shape: [config.vocabSize, h], init: 'normal' },
  ];
  const linear = (module: string, out: number, inp: number, bias: boolean) => {
    specs.push({ name: `${module}.weight`, shape: [out, inp], init: 'normal' });
    if (bias) specs.push({ name: `${module}.bias`, shape: [out], init: 'zeros' });
  };
  for (let i = 0; i < config.numHiddenLayers; i++) {
    const m = modules.layer(i);
    specs.push({ name: `${m.inputNorm}.weight`, shape: [h], init: 'ones' });
    linear(m.q, qWidth, h, config.qkvBias);
    linear(m.k, kvWidth, h, config.qkvBias);
    linear(m.v, kvWidth, h, config.qkvBias);
    linear(m.o, h, qWidth, config.outputBias);
    specs.push({ name: `${m.postAttentionNorm}.weight`, shape: [h], init: 'ones' });
    linear(m.gate, inter, h, config.mlpBias);
    linear(m.up, inter, h, config.mlpBias);
    linear(m.down, h, inter, config.mlpBias);
  }
  specs.push({ name: `${modules.finalNorm}.weight`, shape: [h], init: 'ones' });
  if (!config.tieWordEmbeddings)
    specs.push({ name: `${modules.lmHead}.weight`, shape: [config.vocabSize, h], init: 'normal' });
  return specs;
}
