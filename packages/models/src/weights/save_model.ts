// Writes a folder transformers' from_pretrained loads: config.json, safetensors (sharded above
// maxShardBytes), generation_config.json and the tokenizer files.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError, writeCheckpoint, writeFileAtomic } from '@mixdistill/core';
import type { TorchDtype } from '../config';
import type { CausalLM } from '../model/causal_lm';
import { modelConfigJson } from '../model_config';
import { readJsonFile } from './read_config';

/** Tokenizer files of a Hugging Face model folder, copied when present. */
export const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'chat_template.jinja',
  'chat_template.json',
];

const SAFETENSORS_DTYPE: Record<TorchDtype, 'F32' | 'F16' | 'BF16'> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
};

export interface SaveModelOptions {
  /** Folder whose tokenizer files (and generation_config.json) are copied alongside. */
  tokenizerDir?: string;
  /** Largest shard in bytes (default: writeCheckpoint's, transformers' 5 GB). */
  maxShardBytes?: number;
  /** Dtype of the saved weights, written as torch_dtype (default float32: no precision lost). */
  dtype?: TorchDtype;
}

export function saveModel(dir: string, model: CausalLM, options: SaveModelOptions = {}): void {
  const dtype = options.dtype ?? 'float32';
  fs.mkdirSync(dir, { recursive: true });
  writeCheckpoint(
    dir,
    [...model.params].map(([name, variable]) => ({
      name,
      dtype: SAFETENSORS_DTYPE[dtype],
      shape: variable.shape,
      // Read just in time, so only one tensor's values are in JS memory at once.
      data: () => variable.dataSync() as Float32Array,
    })),
    { maxShardBytes: options.maxShardBytes },
  );
  const config = { ...modelConfigJson({ ...model.config, torchDtype: dtype }) };
  writeJson(path.join(dir, 'config.json'), config);
  writeJson(path.join(dir, 'generation_config.json'), generationConfig(model, options.tokenizerDir));
  if (options.tokenizerDir) copyTokenizerFiles(options.tokenizerDir, dir);
}

/** The source folder's generation_config.json when there is one, else the model's special tokens. */
function generationConfig(model: CausalLM, sourceDir?: string): Record<string, unknown> {
  const source = sourceDir ? readJsonFile(sourceDir, 'generation_config.json', true) : undefined;
  if (source && typeof source === 'object') return source as Record<string, unknown>;
  const { bosTokenId, eosTokenIds, padTokenId } = model.config;
  const json: Record<string, unknown> = {};
  if (bosTokenId !== null) json.bos_token_id = bosTokenId;
  if (eosTokenIds.length) json.eos_token_id = eosTokenIds.length === 1 ? eosTokenIds[0] : eosTokenIds;
  if (padTokenId !== null) json.pad_token_id = padTokenId;
  return json;
}

function copyTokenizerFiles(from: string, to: string): void {
  if (path.resolve(from) === path.resolve(to)) return;
  const present = TOKENIZER_FILES.filter((name) => fs.existsSync(path.join(from, name)));
  if (!present.includes('tokenizer.json')) throw new MixdistillError(`${from}: no tokenizer.json to copy into ${to}`);
  for (const name of present) fs.copyFileSync(path.join(from, name), path.join(to, name));
}

function writeJson(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
