// Folding a LoRA adapter into its base model's weights (W + alpha/r · B·A) and saving the result as a
// plain Hugging Face model folder (what `mixdistill merge-lora` runs).
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { loadModel, saveModel } from '@mixdistill/models';
import { LoraAdapters, readAdapterConfig } from './lora';

/** What to merge (the tensor backend must be selected first). */
export interface MergeLoraOptions {
  /** base model folder the adapter was trained on */
  model: string;
  /** adapter folder (adapter_config.json + adapter_model.safetensors) */
  adapter: string;
  /** folder for the merged model (tokenizer files are copied from `model` when it has them) */
  out: string;
  /** dtype of the saved weights */
  dtype: 'float32' | 'bfloat16' | 'float16';
}

/** Merges and saves; returns the absolute output folder and how many layers the adapter changed. */
export function mergeLora(options: MergeLoraOptions): { out: string; merged_layers: number } {
  const out = path.resolve(options.out);
  if (out === path.resolve(options.model) || out === path.resolve(options.adapter))
    throw new MixdistillError(`--out ${options.out} is an input folder; write the merged model to another folder`);
  const { model } = loadModel(options.model);
  try {
    const adapters = new LoraAdapters(model, readAdapterConfig(options.adapter), 0);
    adapters.load(options.adapter);
    adapters.mergeInto(model);
    const hasTokenizer = fs.existsSync(path.join(options.model, 'tokenizer.json'));
    saveModel(options.out, model, { dtype: options.dtype, ...(hasTokenizer ? { tokenizerDir: options.model } : {}) });
    return { out: path.resolve(options.out), merged_layers: adapters.layers.size };
  } finally {
    model.dispose();
  }
}
