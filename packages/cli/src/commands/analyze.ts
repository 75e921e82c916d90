// `mixdistill analyze rank-shift`: which tokens fine-tuning moved most (the paper's Figure 8).
import { analyzeRankShift } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { requirePositiveIntegers } from '../flags';

interface Args {
  base: string;
  tuned: string;
  responses?: string;
  prompts?: string;
  tokenizer?: string;
  'chat-template': boolean;
  'prompt-field': string;
  'response-field': string;
  'problem-field': string;
  prompt: string;
  'max-new-tokens': number;
  'batch-size': number;
  limit?: number;
  top: number;
  'min-count': number;
  'min-shift': number;
  out?: string;
  json: boolean;
  backend?: string;
}

const rankShiftCommand: CommandModule<object, Args> = {
  command: 'rank-shift',
  describe:
    "Rank each token of the fine-tuned model's responses in the base model (teacher forcing); report the most shifted tokens",
  builder: (y) =>
    withBackendOption(y)
      .option('base', { type: 'string', demandOption: true, describe: 'base (pre-fine-tuning) model folder' })
      .option('tuned', {
        type: 'string',
        demandOption: true,
        describe: 'fine-tuned model folder (its tokenizer is used unless --tokenizer)',
      })
      .option('responses', {
        type: 'string',
        describe:
          "JSONL of fine-tuned responses: prompt/response text (e.g. an eval run's <benchmark>.jsonl) or prompt_ids/response_ids",
      })
      .option('prompts', {
        type: 'string',
        describe: 'JSONL of problems: the fine-tuned model answers them greedily first',
      })
      .option('tokenizer', { type: 'string', describe: 'tokenizer folder (default: --tuned)' })
      .option('chat-template', {
        type: 'boolean',
        default: false,
        describe:
          'responses: wrap prompt text as a user turn with the chat template (off: the text is already templated, as eval records are)',
      })
      .option('prompt-field', { type: 'string', default: 'prompt', describe: 'responses: prompt text field' })
      .option('response-field', { type: 'string', default: 'response', describe: 'responses: response text field' })
      .option('problem-field', { type: 'string', default: 'problem', describe: 'prompts: problem text field' })
      .option('prompt', { type: 'string', default: 'paper', describe: 'prompts: eval prompt preset or template file' })
      .option('max-new-tokens', {
        type: 'number',
        default: 1024,
        describe: 'prompts: most tokens generated per response',
      })
      .option('batch-size', { type: 'number', default: 4, describe: 'prompts: prompts decoded together' })
      .option('limit', { type: 'number', describe: 'prompts: first N problems only' })
      .option('top', { type: 'number', default: 20, describe: 'tokens reported (largest mean rank shift first)' })
      .option('min-count', { type: 'number', default: 2, describe: 'tokens seen fewer times are not reported' })
      .option('min-shift', {
        type: 'number',
        default: 1,
        describe: 'an occurrence is "shifted" when base rank − tuned rank ≥ this',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for rank_shift.md, rank_shift.svg, tokens.jsonl (and responses.jsonl with --prompts)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON document (tokens, shares) on stdout',
      })
      .example(
        '$0 analyze rank-shift --base Qwen2.5-3B-Instruct --tuned runs/long/final --responses runs/long/eval/math500.jsonl --out analysis/',
        'Figure 8 for a long-CoT student',
      )
      .example(
        '$0 analyze rank-shift --base base/ --tuned tuned/ --prompts problems.jsonl --limit 20',
        'generate 20 responses first',
      ),
  handler: async (argv) => {
    requirePositiveIntegers({
      top: argv.top,
      'min-count': argv['min-count'],
      'max-new-tokens': argv['max-new-tokens'],
      'batch-size': argv['batch-size'],
      limit: argv.limit,
    });
    await setupBackend(argv.backend);
    const { report, markdown } = await analyzeRankShift({
      base: argv.base,
      tuned: argv.tuned,
      responses: argv.responses,
      prompts: argv.prompts,
      tokenizer: argv.tokenizer,
      chatTemplate: argv['chat-template'],
      fields: { prompt: argv['prompt-field'], response: argv['response-field'] },
      problemField: argv['problem-field'],
      prompt: argv.prompt,
      maxNewTokens: argv['max-new-tokens'],
      batchSize: argv['batch-size'],
      limit: argv.limit,
      top: argv.top,
      minCount: argv['min-count'],
      minShift: argv['min-shift'],
      out: argv.out,
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(markdown);
  },
};

export const analyzeCommand: CommandModule<object, object> = {
  command: 'analyze',
  describe: "Analyses of fine-tuned students (rank-shift: the paper's speaking-style shift, Figure 8)",
  builder: (y) => y.command(rankShiftCommand).demandCommand(1, 'name an analysis: rank-shift'),
  handler: () => {},
};
