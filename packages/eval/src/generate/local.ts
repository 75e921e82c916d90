// Generator for a local model folder through @mixdistill/models: the model's chat template renders
// the prompt, prompts of similar length are decoded together (left-padded batches with the KV
// cache), and each sequence stops at an end-of-sequence token, a stop string or maxNewTokens.
import { MixdistillError } from '@mixdistill/core';
import {
  generate,
  loadModel,
  loadTokenizer,
  type CausalLM,
  type Tokenizer,
  type WeightDtype,
} from '@mixdistill/models';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  truncateAtStop,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSettings,
  type Generator,
} from './generator';

export interface LocalGeneratorOptions {
  /** Model folder: config.json, safetensors weights, tokenizer.json (+ tokenizer_config.json with a chat template). */
  modelDir: string;
  /** Prompts decoded together. */
  batchSize: number;
  settings: GenerationSettings;
  /** Folder of tokenizer.json when the model folder has none (`--tokenizer`). */
  tokenizerDir?: string;
  /** Where the one-line notice of a capped maxNewTokens goes (default: stderr). */
  onNotice?: (line: string) => void;
  /** How the linear and embedding weights are held (default: the checkpoint's, bf16 for a BF16 checkpoint). */
  dtype?: WeightDtype;
}

class LocalGenerator implements Generator {
  constructor(
    private readonly options: LocalGeneratorOptions,
    private readonly model: CausalLM,
    private readonly tokenizer: Tokenizer,
  ) {}

  private noticed = false;

  /**
   * The paper's 16,000 new tokens do not fit every model: what does not fit after the longest prompt of
   * a batch is cut, with one notice, rather than failing the whole evaluation.
   */
  private newTokensFor(longestPrompt: number): number {
    const context = this.model.config.maxPositionEmbeddings;
    const room = context - longestPrompt;
    const wanted = this.options.settings.maxNewTokens;
    if (room < 1)
      throw new MixdistillError(
        `a prompt of ${longestPrompt} tokens fills the model's context (max_position_embeddings ${context})`,
      );
    if (wanted <= room) return wanted;
    if (!this.noticed) {
      this.noticed = true;
      (this.options.onNotice ?? ((l: string) => process.stderr.write(`${l}\n`)))(
        `note: --max-new-tokens ${wanted} does not fit the model's context (max_position_embeddings ${context}); each answer is capped at what fits after its prompt`,
      );
    }
    return room;
  }

  describe(): Record<string, unknown> {
    return {
      kind: 'local',
      modelDir: this.options.modelDir,
      modelType: this.model.config.modelType,
      batchSize: this.options.batchSize,
      // bf16 weights are held as packed int32 tensors (core/src/ops/bf16.ts).
      weights: [...this.model.params.values()].some((v) => v.dtype === 'int32') ? 'bf16' : 'f32',
    };
  }

  async generate(
    requests: GenerationRequest[],
    onResult: (index: number, result: GenerationResult) => Promise<void> | void,
  ): Promise<void> {
    const { settings, batchSize } = this.options;
    const prompts = requests.map((r) =>
      this.tokenizer.applyChatTemplate(r.messages, { addGenerationPrompt: true, tokenize: true }),
    );
    // Similar lengths together waste less compute on padding; results are reported by request index.
    const order = prompts.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length || a - b);
    for (let start = 0; start < order.length; start += batchSize) {
      const batch = order.slice(start, start + batchSize);
      const began = performance.now();
      const outputs = await generate(
        this.model,
        batch.map((i) => prompts[i]),
        {
          maxNewTokens: this.newTokensFor(Math.max(...batch.map((i) => prompts[i].length))),
          temperature: settings.temperature,
          topP: settings.topP,
          seed: settings.seed,
          stopTokenIds: this.tokenizer.eosTokenIds,
          stopStrings: settings.stop,
          tokenizer: this.tokenizer,
        },
      );
      const seconds = (performance.now() - began) / 1000 / batch.length;
      for (let k = 0; k < batch.length; k++) {
        const index = batch[k];
        const text = truncateAtStop(
          this.tokenizer.decode(outputs[k].tokens, { skipSpecialTokens: true }),
          settings.stop,
        );
        const prompt = this.tokenizer.applyChatTemplate(requests[index].messages, { addGenerationPrompt: true });
        await onResult(index, { prompt, text, tokens: outputs[k].tokens.length, seconds });
      }
    }
  }

  async close(): Promise<void> {
    this.model.dispose();
  }
}

/** Loads the model and tokenizer and returns the generator. */
export async function createLocalGenerator(options: LocalGeneratorOptions): Promise<Generator> {
  if (!existsSync(join(options.modelDir, 'config.json'))) {
    throw new MixdistillError(
      `${join(options.modelDir, 'config.json')}: not found (--model must be a Hugging Face model folder)`,
    );
  }
  const tokenizer = loadTokenizer(options.tokenizerDir ?? options.modelDir);
  const { model } = loadModel(options.modelDir, { dtype: options.dtype ?? 'checkpoint' });
  return new LocalGenerator(options, model, tokenizer);
}
