// A randomly initialised model for a config, as transformers' `_init_weights`: linear and embedding
// weights ~ normal(0, initializer_range = 0.02), biases 0, RMSNorm weights 1.
import { tf } from '@mixdistill/core';
import type { ModelConfig } from '../config';
import { CausalLM } from '../model/causal_lm';
import { parameterSpecs } from '../model/parameters';
import { architectureOf } from '../model_config';

export interface CreateModelOptions {
  /** Seeds the normal draws; each tensor uses seed + its index so results do not depend on order of use. */
  seed: number;
  /** Standard deviation of the normal weights (config `initializer_range`). */
  initializerRange?: number;
}

export function createModel(config: ModelConfig, options: CreateModelOptions): CausalLM {
  const std = options.initializerRange ?? 0.02;
  const params = new Map<string, tf.Variable>();
  parameterSpecs(config, architectureOf(config).modules).forEach((spec, index) => {
    const initial = tf.tidy(() => {
      if (spec.init === 'zeros') return tf.zeros(spec.shape);
      if (spec.init === 'ones') return tf.ones(spec.shape);
      return tf.randomNormal(spec.shape, 0, std, 'float32', options.seed + index);
    });
    params.set(spec.name, tf.variable(initial, true));
    initial.dispose();
  });
  return new CausalLM(config, params);
}
