// `mixdistill analyze rank-shift`: which tokens fine-tuning moved most (the paper's Figure 8).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { renderPrompt, resolvePrompt } from '@mixdistill/eval';
import { generate, loadModel, loadTokenizer, type CausalLM, type Tokenizer } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { rankResponses, readResponses, type ResponseTokenizer } from '../analysis/rank_responses';
import { aggregateRankShifts, rankShiftMarkdown, rankShiftSvg } from '../analysis/rank_shift';
import type { TokenizedResponse } from '../analysis/token_ranks';
import { setupBackend, withBackendOption } from '../backend';

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

/** The tokenizer as the analysis uses it; `chat` wraps prompt text as one user turn. */
function responseTokenizer(tokenizer: Tokenizer, chat: boolean): ResponseTokenizer {
  return {
    encodePrompt: (prompt) =>
      chat
        ? tokenizer.applyChatTemplate([{ role: 'user', content: prompt }], {
            addGenerationPrompt: true,
            tokenize: true,
          })
        : // Eval records hold the prompt already templated, special tokens written out as text.
          tokenizer.encode(prompt, { addSpecialTokens: false }),
    // Re-encoding generated text may split it differently from the ids the model sampled; give
    // prompt_ids/response_ids to analyse the exact sampled tokens.
    encodeResponse: (response) => tokenizer.encode(response, { addSpecialTokens: false }),
    decodeToken: (id) => tokenizer.decode([id]),
  };
}

function tryLoadTokenizer(dir: string, explicit: boolean): Tokenizer | null {
  if (!explicit && !existsSync(join(dir, 'tokenizer.json'))) return null;
  return loadTokenizer(dir);
}

/** Greedy responses of the fine-tuned model to the problems of a JSONL file, rendered with an eval prompt preset. */
async function generateResponses(tuned: CausalLM, tokenizer: Tokenizer, argv: Args): Promise<TokenizedResponse[]> {
  const file = argv.prompts!;
  if (!existsSync(file)) throw new MixdistillError(`${file}: prompts file not found`);
  const preset = resolvePrompt(argv.prompt);
  const prompts = readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim())
    .slice(0, argv.limit)
    .map(({ line, i }) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new MixdistillError(`${file}:${i + 1}: not valid JSON`);
      }
      const problem = row[argv['problem-field']];
      if (typeof problem !== 'string')
        throw new MixdistillError(`${file}:${i + 1}: field "${argv['problem-field']}" (the problem text) missing`);
      return tokenizer.applyChatTemplate(renderPrompt(preset, problem), { addGenerationPrompt: true, tokenize: true });
    });
  const out: TokenizedResponse[] = [];
  for (let start = 0; start < prompts.length; start += argv['batch-size']) {
    const batch = prompts.slice(start, start + argv['batch-size']);
    const results = await generate(tuned, batch, {
      maxNewTokens: argv['max-new-tokens'],
      stopTokenIds: tokenizer.eosTokenIds,
    });
    results.forEach((r, i) => out.push({ promptIds: batch[i], responseIds: r.tokens }));
    process.stderr.write(`analyze: generated ${out.length}/${prompts.length} responses\n`);
  }
  return out;
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
    if (Boolean(argv.responses) === Boolean(argv.prompts))
      throw new MixdistillError('give exactly one of --responses FILE or --prompts FILE');
    for (const flag of ['top', 'min-count', 'max-new-tokens', 'batch-size', 'limit'] as const) {
      const v = argv[flag];
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new MixdistillError(`--${flag}: expected a positive integer, got ${v}`);
    }
    await setupBackend(argv.backend);
    const tokenizer = tryLoadTokenizer(argv.tokenizer ?? argv.tuned, argv.tokenizer !== undefined);
    const base = loadModel(argv.base).model;
    const tuned = loadModel(argv.tuned).model;
    try {
      if (base.config.vocabSize !== tuned.config.vocabSize) {
        throw new MixdistillError(
          `--base and --tuned have different vocabularies (${base.config.vocabSize} vs ${tuned.config.vocabSize} tokens)`,
        );
      }
      let samples: TokenizedResponse[];
      if (argv.prompts) {
        if (!tokenizer)
          throw new MixdistillError(
            `--prompts needs a tokenizer (tokenizer.json in ${argv.tuned}, or --tokenizer DIR)`,
          );
        samples = await generateResponses(tuned, tokenizer, argv);
      } else {
        const fields = { prompt: argv['prompt-field'], response: argv['response-field'] };
        samples = readResponses(
          argv.responses!,
          fields,
          tokenizer ? responseTokenizer(tokenizer, argv['chat-template']) : null,
        );
      }
      const decode = tokenizer ? (id: number) => tokenizer.decode([id]) : (id: number) => `#${id}`;
      const ranked = rankResponses(base, tuned, samples, decode, (done, total) => {
        if (done === total || done % 10 === 0) process.stderr.write(`analyze: ranked ${done}/${total} responses\n`);
      });
      const report = aggregateRankShifts(ranked, {
        top: argv.top,
        minCount: argv['min-count'],
        minShift: argv['min-shift'],
      });
      const markdown = rankShiftMarkdown(report);
      if (argv.out) {
        mkdirSync(argv.out, { recursive: true });
        writeFileSync(join(argv.out, 'rank_shift.md'), markdown);
        writeFileSync(join(argv.out, 'rank_shift.svg'), rankShiftSvg(report));
        writeFileSync(join(argv.out, 'tokens.jsonl'), ranked.map((r) => `${JSON.stringify(r)}\n`).join(''));
        if (argv.prompts) {
          const lines = samples.map((s) => JSON.stringify({ prompt_ids: s.promptIds, response_ids: s.responseIds }));
          writeFileSync(join(argv.out, 'responses.jsonl'), lines.map((l) => `${l}\n`).join(''));
        }
        process.stderr.write(`wrote rank_shift.md, rank_shift.svg, tokens.jsonl to ${argv.out}\n`);
      }
      if (argv.json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else process.stdout.write(markdown);
    } finally {
      base.dispose();
      tuned.dispose();
    }
  },
};

export const analyzeCommand: CommandModule<object, object> = {
  command: 'analyze',
  describe: "Analyses of fine-tuned students (rank-shift: the paper's speaking-style shift, Figure 8)",
  builder: (y) => y.command(rankShiftCommand).demandCommand(1, 'name an analysis: rank-shift'),
  handler: () => {},
};
