// Loads a Hugging Face model folder (config.json + single or sharded safetensors) by tensor name.
import { Checkpoint, MixdistillError, bf16Storage, bf16Tensor, packBf16, tf } from '@mixdistill/core';
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

/**
 * How the matrices (linear and embedding weights) are held: `f32`, or `bf16` for inference (packed
 * int32 tensors, `@mixdistill/core`'s ops/bf16.ts; norm weights and biases stay float32).
 * `checkpoint`: bf16 when the checkpoint stores every matrix as BF16, else f32.
 */
export type WeightDtype = 'f32' | 'bf16';

export interface LoadModelOptions {
  /** how the matrices are held (default `f32`: training and everything that takes gradients) */
  dtype?: WeightDtype | 'checkpoint';
}

/** Reads `dir/config.json` and the weights next to it (float32 variables unless `dtype` says bf16). */
export function loadModel(dir: string, options: LoadModelOptions = {}): LoadedModel {
  const config = readModelConfig(dir);
  const checkpoint = Checkpoint.open(dir);
  try {
    return { config, model: new CausalLM(config, readParameters(config, checkpoint, dir, options.dtype ?? 'f32')) };
  } finally {
    checkpoint.close();
  }
}

/** The matrices' dtype a checkpoint implies: bf16 when every 2-D weight is stored as BF16. */
export function checkpointWeightDtype(config: ModelConfig, checkpoint: Checkpoint): WeightDtype {
  const dtypes = new Map(checkpoint.entries().map((e) => [e.name, e.dtype]));
  const matrices = parameterSpecs(config, architectureOf(config).modules).filter((s) => s.shape.length === 2);
  return matrices.every((s) => dtypes.get(s.name) === 'BF16') ? 'bf16' : 'f32';
}

/** Every parameter the config implies, read from `checkpoint`; all mismatches are reported at once. */
export function readParameters(
  config: ModelConfig,
  checkpoint: Checkpoint,
  where: string,
  dtype: WeightDtype | 'checkpoint' = 'f32',
): Map<string, tf.Variable> {
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

  const bf16 = (dtype === 'checkpoint' ? checkpointWeightDtype(config, checkpoint) : dtype) === 'bf16';
  const oddMatrix = bf16 ? specs.find((s) => s.shape.length === 2 && s.shape[1] % 2 !== 0) : undefined;
  if (oddMatrix) {
    throw new MixdistillError(
      `${where}: --dtype bf16 needs an even last dimension, but ${oddMatrix.name} is [${oddMatrix.shape.join(', ')}] (use --dtype f32)`,
    );
  }
  const params = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const values =
      bf16 && spec.shape.length === 2
        ? bf16Tensor(
            readBf16(checkpoint, entries.get(spec.name)?.dtype, spec.name, spec.shape as [number, number]),
            spec.shape as [number, number],
          )
        : tf.tensor(checkpoint.readFloat32(spec.name), spec.shape, 'float32');
    // Unnamed: tfjs variable names are global, and several models (teacher, student, tests) coexist.
    params.set(spec.name, tf.variable(values, true));
    values.dispose();
  }
  return params;
}

/**
 * A matrix as packed bf16 (ops/bf16.ts), in the backend's storage: BF16 bytes read straight into
 * it (no float32 copy, no second buffer), other dtypes read as float32 one tensor at a time and
 * rounded to nearest even.
 */
function readBf16(
  checkpoint: Checkpoint,
  stored: string | undefined,
  name: string,
  shape: [number, number],
): Int32Array {
  const storage = bf16Storage(shape[0] * shape[1]);
  if (stored === 'BF16') {
    checkpoint.readBytes(name, new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength));
    return storage;
  }
  return packBf16(checkpoint.readFloat32(name), shape, name, storage);
}

/** At most 8 names, then how many more. */
function listed(items: string[]): string {
  const shown = items.slice(0, 8).join(', ');
  return items.length > 8 ? `${items.length} tensors: ${shown}, … and ${items.length - 8} more` : `${shown}`;
}
