// `mixdistill generate`: continue a prompt (or a chat turn) with a local model, streaming the text.
import { MixdistillError } from '@mixdistill/core';
import { generateText, type WeightDtype } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { withDtypeOption } from '../dtype';

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
  dtype?: WeightDtype;
  json: boolean;
}

export const generateCommand: CommandModule<object, Args> = {
  command: 'generate',
  describe: 'Generate text with a local Hugging Face model folder (greedy or sampled), streaming it to stdout',
  builder: (y) =>
    withDtypeOption(withBackendOption(y))
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
    const result = await generateText(
      {
        model: argv.model,
        tokenizer: argv.tokenizer,
        prompt: argv.prompt,
        chat: argv.chat,
        system: argv.system,
        maxNewTokens: argv['max-new-tokens'],
        temperature: argv.temperature,
        topP: argv['top-p'],
        topK: argv['top-k'],
        seed: argv.seed,
        dtype: argv.dtype,
      },
      argv.json ? undefined : (piece) => process.stdout.write(piece),
    );
    // Streamed text ends with a newline; --json prints the whole result instead.
    process.stdout.write(argv.json ? `${JSON.stringify(result)}\n` : '\n');
    process.stderr.write(
      `${result.newTokens} tokens (${result.finishReason}); prompt ${result.promptTokens} tokens, first token after ${result.timeToFirstTokenMs} ms; ` +
        `decode ${result.decodeTokensPerSecond} tokens/s\n`,
    );
  },
};
