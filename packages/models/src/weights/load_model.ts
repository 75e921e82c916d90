// Loads a Hugging Face model folder (config.json + single or sharded safetensors) by tensor name.
import path from 'node:path';
import { Checkpoint, MixdistillError, tf } from '@mixdistill/core';
import type { ModelConfig } from '../config';
import { CausalLM } from '../model/causal_lm';
import { parameterSpecs } from '../model/parameters';
import { architectureOf } from '../model_config';
import { readModelConfig } from './read_config';

export interface LoadedModel {
  config: ModelConfig;
  model: CausalLM;
}

/** Checkpoint tensors transformers ignores on load (old checkpoints stored RoPE buffers). */
const IGNORED_TENSOR = /\.rotary_emb\.inv_freq$/;

/** Float dtypes a weight may be stored in; all are computed in float32. */
const FLOAT_DTYPES = new Set(['F32', 'F16', 'BF16', 'F64']);

/** Reads `dir/config.json` and the weights next to it into float32 variables. */
export function loadModel(dir: string): LoadedModel {
  const _configFile = path.join(dir, 'config.json');
  const config = readModelConfig(dir);
  const checkpoint = Checkpoint.open(dir);
  try {
    return { config, model: new CausalLM(config, readParameters(config, checkpoint, dir)) };
  } finally {
    checkpoint.close();
  }
}

/** Every parameter the config implies, read from `checkpoint`; all mismatches are reported at once. */
export function readParameters(config: ModelConfig, checkpoint: Checkpoint, where: string): Map<string, tf.Variable> {
  const architecture = architectureOf(config);
  const specs = parameterSpecs(config, architecture.modules);
  const expected = new Set(specs.map((s) => s.name));
  // With tied embeddings transformers drops a stored lm_head.weight in favour of embed_tokens.
  const tiedHead = config.tieWordEmbeddings ? `${architecture.modules.lmHead}.weight` : null;
  const entries = new Map(checkpoint.entries().map((e) => [e.name, e]));

  const problems: string[] = [];
  const missing = specs.filter((s) => !entries.has(s.name)).map((s) => s.name);
  const unexpected = [...entries.keys()].filter((n) => !expected.has(n) && n !== tiedHead && !IGNORED_TENSOR.test(n));
  const wrongShape = specs.flatMap((s) => {
    const e = entries.get(s.name);
    return e && e.shape.join(',') !== s.shape.join(',')
      ? [`${s.name} is [${e.shape}] but config.json implies [${s.shape}]`]
      : [];
  });
  const wrongDtype = specs.flatMap((s) => {
    const e = entries.get(s.name);
    return e && !FLOAT_DTYPES.has(e.dtype) ? [`${s.name} is ${e.dtype}`] : [];
  });
  if (missing.length) problems.push(`missing ${listed(missing)}`);
  if (unexpected.length) problems.push(`unexpected ${listed(unexpected)}`);
  if (wrongShape.length) problems.push(`wrong shape: ${listed(wrongShape)}`);
  if (wrongDtype.length) problems.push(`not a float dtype: ${listed(wrongDtype)}`);
  if (problems.length) {
    throw new MixdistillError(
      `${where}: the weights do not match config.json (${config.modelType}, ${config.numHiddenLayers} layers): ${problems.join('; ')}`,
    );
  }

  const params = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const values = tf.tensor(checkpoint.readFloat32(spec.name), spec.shape, 'float32');
    // Unnamed: tfjs variable names are global, and several models (teacher, student, tests) coexist.
    params.set(spec.name, tf.variable(values, true));
    values.dispose();
  }
  return params;
}

/** At most 8 names, then how many more. */
function listed(items: string[]): string {
  const shown = items.slice(0, 8).join(', ');
  return items.length > 8 ? `${items.length} tensors: ${shown}, … and ${items.length - 8} more` : `${shown}`;
}
