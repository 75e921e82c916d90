// `mixdistill generate`: continue a prompt (or a chat turn) with a local model, streaming the text.
import { MixdistillError } from '@mixdistill/core';
import { generate, loadModel, loadTokenizer } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';

interface Args {
  model: string;
  tokenizer?: string;
  prompt: string;
  chat: boolean;
  system?: string;
  'max-new-tokens': number;
  temperature: number;
  'top-p': number;
  'top-k': number;
  seed: number;
  backend?: string;
  json: boolean;
}

export const generateCommand: CommandModule<object, Args> = {
  command: 'generate',
  describe: 'Generate text with a local Hugging Face model folder (greedy or sampled), streaming it to stdout',
  builder: (y) =>
    withBackendOption(y)
      .option('model', {
        type: 'string',
        demandOption: true,
        describe: 'model folder: config.json, safetensors, tokenizer files',
      })
      .option('tokenizer', { type: 'string', describe: 'folder with tokenizer.json when --model has none' })
      .option('prompt', {
        type: 'string',
        demandOption: true,
        describe: 'text to continue (the user message with --chat)',
      })
      .option('chat', {
        type: 'boolean',
        default: false,
        describe: "wrap the prompt in the model's chat template as a user turn",
      })
      .option('system', { type: 'string', describe: 'system prompt for --chat (replaces the template default)' })
      .option('max-new-tokens', { type: 'number', default: 256, describe: 'most tokens to generate' })
      .option('temperature', { type: 'number', default: 0, describe: 'sampling temperature; 0 = greedy' })
      .option('top-p', { type: 'number', default: 1, describe: 'nucleus sampling mass (with --temperature > 0)' })
      .option('top-k', { type: 'number', default: 0, describe: 'sample among the k most likely tokens; 0 = all' })
      .option('seed', { type: 'number', default: 42, describe: 'seed of the sampler (with --temperature > 0)' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON document (text, tokens, timing) instead of streaming',
      })
      .example('$0 generate --model ./Qwen2.5-0.5B-Instruct --chat --prompt "What is 7*8?"', 'greedy chat answer')
      .example(
        '$0 generate --model ./tiny --prompt "Once" --temperature 0.8 --top-p 0.95 --seed 1',
        'sampled continuation',
      ),
  handler: async (argv) => {
    if (argv.system !== undefined && !argv.chat) throw new MixdistillError('--system needs --chat');
    await setupBackend(argv.backend);
    if (!(Number.isInteger(argv['max-new-tokens']) && argv['max-new-tokens'] >= 1))
      throw new MixdistillError(`--max-new-tokens: expected a positive integer, got ${argv['max-new-tokens']}`);
    const tokenizer = loadTokenizer(argv.tokenizer ?? argv.model);
    const { model } = loadModel(argv.model);
    const prompt = argv.chat
      ? tokenizer.applyChatTemplate([{ role: 'user', content: argv.prompt }], {
          addGenerationPrompt: true,
          systemPrompt: argv.system,
          tokenize: true,
        })
      : tokenizer.encode(argv.prompt);

    const stream = new TextStream((ids) => tokenizer.decode(ids, { skipSpecialTokens: true }));
    const started = performance.now();
    let firstTokenAt = 0;
    const [result] = await generate(model, [prompt], {
      maxNewTokens: argv['max-new-tokens'],
      temperature: argv.temperature,
      topP: argv['top-p'],
      topK: argv['top-k'],
      seed: argv.seed,
      stopTokenIds: tokenizer.eosTokenIds,
      onToken: (_, token) => {
        if (firstTokenAt === 0) firstTokenAt = performance.now();
        const piece = stream.push(token);
        if (!argv.json) process.stdout.write(piece);
      },
    });
    const finished = performance.now();
    const decodeSeconds = (finished - firstTokenAt) / 1000;
    const decodeRate = result.tokens.length > 1 ? (result.tokens.length - 1) / decodeSeconds : 0;
    const timing = {
      promptTokens: prompt.length,
      newTokens: result.tokens.length,
      timeToFirstTokenMs: Math.round(firstTokenAt - started),
      decodeTokensPerSecond: Number(decodeRate.toFixed(2)),
    };
    if (argv.json) {
      process.stdout.write(
        `${JSON.stringify({ text: stream.text(), tokens: result.tokens, finishReason: result.finishReason, ...timing })}\n`,
      );
    } else {
      process.stdout.write(`${stream.flush()}\n`);
    }
    process.stderr.write(
      `${timing.newTokens} tokens (${result.finishReason}); prompt ${timing.promptTokens} tokens, first token after ${timing.timeToFirstTokenMs} ms; ` +
        `decode ${timing.decodeTokensPerSecond} tokens/s\n`,
    );
    model.dispose();
  },
};

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
