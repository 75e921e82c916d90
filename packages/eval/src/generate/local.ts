// Generator for a local model folder through @mixdistill/models: the model's chat template renders
// the prompt, prompts are decoded shortest first with `batchSize` sequences at a time (a finished
// sequence's row goes to the next prompt: continuous batching with the KV cache), and each sequence
// stops at an end-of-sequence token, a stop string or maxNewTokens.
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

  /**
   * The paper's 16,000 new tokens do not fit every model: what does not fit after a prompt is cut,
   * with one notice, rather than failing the whole evaluation.
   */
  private noticed = false;

  private noticeCap(longestPrompt: number): void {
    const context = this.model.config.maxPositionEmbeddings;
    const wanted = this.options.settings.maxNewTokens;
    if (longestPrompt >= context)
      throw new MixdistillError(
        `a prompt of ${longestPrompt} tokens fills the model's context (max_position_embeddings ${context})`,
      );
    if (longestPrompt + wanted <= context || this.noticed) return;
    this.noticed = true;
    (this.options.onNotice ?? ((l: string) => process.stderr.write(`${l}\n`)))(
      `note: --max-new-tokens ${wanted} does not fit the model's context (max_position_embeddings ${context}); each answer is capped at what fits after its prompt`,
    );
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
    if (requests.length === 0) return;
    const { settings, batchSize } = this.options;
    const prompts = requests.map((r) =>
      this.tokenizer.applyChatTemplate(r.messages, { addGenerationPrompt: true, tokenize: true }),
    );
    // Shortest first: a waiting prompt joins the running batch once the batch's cache holds as many
    // positions as it, and similar lengths waste less on padding. Results go out as they finish.
    const order = prompts.map((_, i) => i).sort((a, b) => prompts[a].length - prompts[b].length || a - b);
    this.noticeCap(prompts[order[order.length - 1]].length);
    // Each result's share of the wall time: the time since the previous result (the sum is the run's).
    let last = performance.now();
    await generate(
      this.model,
      order.map((i) => prompts[i]),
      {
        maxNewTokens: settings.maxNewTokens,
        capToContext: true,
        temperature: settings.temperature,
        topP: settings.topP,
        seed: settings.seed,
        stopTokenIds: this.tokenizer.eosTokenIds,
        stopStrings: settings.stop,
        tokenizer: this.tokenizer,
        batchSize,
        onFinish: async (k, output) => {
          const now = performance.now();
          const seconds = (now - last) / 1000;
          last = now;
          const index = order[k];
          const text = truncateAtStop(this.tokenizer.decode(output.tokens, { skipSpecialTokens: true }), settings.stop);
          const prompt = this.tokenizer.applyChatTemplate(requests[index].messages, { addGenerationPrompt: true });
          await onResult(index, { prompt, text, tokens: output.tokens.length, seconds });
        },
      },
    );
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
