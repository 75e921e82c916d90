// `mixdistill merge-lora`: fold a LoRA adapter into its base model's weights (W + alpha/r · B·A).
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { loadModel, saveModel } from '@mixdistill/models';
import { LoraAdapters, readAdapterConfig } from '@mixdistill/train';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';

interface Args {
  model: string;
  adapter: string;
  out: string;
  dtype: 'float32' | 'bfloat16' | 'float16';
  backend?: string;
  json: boolean;
}

export const mergeLoraCommand: CommandModule<object, Args> = {
  command: 'merge-lora',
  describe: 'Merge a LoRA adapter (adapter_config.json + adapter_model.safetensors) into its base model',
  builder: (y) =>
    withBackendOption(y)
      .option('model', { type: 'string', demandOption: true, describe: 'base model folder the adapter was trained on' })
      .option('adapter', {
        type: 'string',
        demandOption: true,
        describe: 'adapter folder (e.g. OUT/final of a LoRA run)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'folder for the merged Hugging Face model' })
      .option('dtype', {
        choices: ['float32', 'bfloat16', 'float16'] as const,
        default: 'float32' as const,
        describe: 'dtype of the saved weights',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print {out, merged_layers} as one JSON document' })
      .example(
        '$0 merge-lora --model ./Qwen2.5-0.5B --adapter runs/lora/final --out runs/lora/merged',
        'merge and save in float32',
      ),
  handler: async (argv) => {
    if (path.resolve(argv.out) === path.resolve(argv.model) || path.resolve(argv.out) === path.resolve(argv.adapter))
      throw new MixdistillError(`--out ${argv.out} is an input folder; write the merged model to another folder`);
    await setupBackend(argv.backend);
    const { model } = loadModel(argv.model);
    const adapters = new LoraAdapters(model, readAdapterConfig(argv.adapter), 0);
    adapters.load(argv.adapter);
    adapters.mergeInto(model);
    const hasTokenizer = fs.existsSync(path.join(argv.model, 'tokenizer.json'));
    saveModel(argv.out, model, { dtype: argv.dtype, ...(hasTokenizer ? { tokenizerDir: argv.model } : {}) });
    const summary = { out: path.resolve(argv.out), merged_layers: adapters.layers.size };
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`merged ${summary.merged_layers} LoRA layers into ${summary.out}\n`);
  },
};
