// Text in, text out with a local model folder (what `mixdistill generate` runs): the prompt as plain
// text or as a chat turn, generation streamed as printable text pieces, and the timing figures.
import { loadModel, type WeightDtype } from '../weights/load_model';
import { loadTokenizer } from '../tokenizer/tokenizer';
import { generate } from './generate';
import type { FinishReason } from './stopping_criteria';

/** What to generate (the tensor backend must be selected first). */
export interface GenerateTextOptions {
  /** model folder: config.json, safetensors, tokenizer files */
  model: string;
  /** folder of tokenizer.json when `model` has none (default: `model`) */
  tokenizer?: string;
  /** text to continue (the user message with `chat`) */
  prompt: string;
  /** wrap the prompt in the model's chat template as a user turn */
  chat: boolean;
  /** system prompt for `chat` (replaces the template default) */
  system?: string;
  /** most tokens to generate */
  maxNewTokens: number;
  /** sampling temperature; 0 = greedy */
  temperature: number;
  /** nucleus sampling mass */
  topP: number;
  /** sample among the k most likely tokens; 0 = all */
  topK: number;
  /** seed of the sampler */
  seed: number;
  /** how the linear and embedding weights are held (default: the checkpoint's, bf16 for a BF16 checkpoint) */
  dtype?: WeightDtype;
}

/** The generated text with its tokens and timing. */
export interface GeneratedText {
  text: string;
  tokens: number[];
  finishReason: FinishReason;
  promptTokens: number;
  newTokens: number;
  timeToFirstTokenMs: number;
  /** tokens after the first, per second */
  decodeTokensPerSecond: number;
}

/**
 * Generates from `options.prompt`; `onText` receives the text as it becomes printable (the pieces
 * concatenate to `text`, special tokens skipped).
 */
export async function generateText(
  options: GenerateTextOptions,
  onText?: (piece: string) => void,
): Promise<GeneratedText> {
  const tokenizer = loadTokenizer(options.tokenizer ?? options.model);
  const { model } = loadModel(options.model, { dtype: options.dtype ?? 'checkpoint' });
  try {
    const prompt = options.chat
      ? tokenizer.applyChatTemplate([{ role: 'user', content: options.prompt }], {
          addGenerationPrompt: true,
          systemPrompt: options.system,
          tokenize: true,
        })
      : tokenizer.encode(options.prompt);

    const stream = new TextStream((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }));
    const started = performance.now();
    let firstTokenAt = 0;
    const [result] = await generate(model, [prompt], {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      topP: options.topP,
      topK: options.topK,
      seed: options.seed,
      stopTokenIds: tokenizer.eosTokenIds,
      onToken: (_, token) => {
        if (firstTokenAt === 0) firstTokenAt = performance.now();
        const piece = stream.push(token);
        if (piece) onText?.(piece);
      },
    });
    const rest = stream.flush();
    if (rest) onText?.(rest);
    const finished = performance.now();
    const decodeSeconds = (finished - firstTokenAt) / 1000;
    const decodeRate = result.tokens.length > 1 ? (result.tokens.length - 1) / decodeSeconds : 0;
    return {
      text: stream.text(),
      tokens: result.tokens,
      finishReason: result.finishReason,
      promptTokens: prompt.length,
      newTokens: result.tokens.length,
      timeToFirstTokenMs: Math.round(firstTokenAt - started),
      decodeTokensPerSecond: Number(decodeRate.toFixed(2)),
    };
  } finally {
    model.dispose();
  }
}

/**
 * Turns tokens into printable text increments. A token can end inside a UTF-8 character, which
 * decodes to U+FFFD until the next token completes it, so a trailing U+FFFD is held back.
 */
class TextStream {
  private readonly ids: number[] = [];
  private printed = 0;

  constructor(private readonly decode: (ids: number[]) => string) {}

  push(token: number): string {
    this.ids.push(token);
    const text = this.decode(this.ids);
    if (text.endsWith('\uFFFD')) return '';
    return this.take(text);
  }

  /** Whatever is left (a character that never completed included). */
  flush(): string {
    return this.take(this.decode(this.ids));
  }

  text(): string {
    return this.decode(this.ids);
  }

  private take(text: string): string {
    const piece = text.slice(this.printed);
    this.printed = text.length;
    return piece;
  }
}
