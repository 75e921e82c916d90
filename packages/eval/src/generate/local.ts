// Generator for a local model folder through @mixdistill/models: the chat template renders the
// prompt, prompts are decoded in batches with the KV cache, and generation stops at an end-of-turn
// token, a stop string or maxNewTokens.
import { MixdistillError } from '@mixdistill/core';
import type { GenerationSettings, Generator } from './generator';

export interface LocalGeneratorOptions {
  /** Model folder: config.json, safetensors weights, tokenizer files. */
  modelDir: string;
  /** Prompts decoded together. */
  batchSize: number;
  settings: GenerationSettings;
}

/** Loads the model and tokenizer and returns the generator. */
export async function createLocalGenerator(options: LocalGeneratorOptions): Promise<Generator> {
  const models: Record<string, unknown> = await import('@mixdistill/models');
  if (typeof models.generate !== 'function' || typeof models.loadTokenizer !== 'function') {
    throw new MixdistillError(
      `local generation is not available yet: @mixdistill/models does not export generate/loadTokenizer (use --endpoint with a server for ${options.modelDir})`,
    );
  }
  throw new MixdistillError('local generation is not wired yet');
}
