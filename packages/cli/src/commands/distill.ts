// `mixdistill distill`: builds an SFT data set from a teacher by rejection sampling (the paper's long /
// short / large- / small-teacher CoT sets), or summarises an existing one with --stats.
import { MixdistillError } from '@mixdistill/core';
import {
  DEFAULT_PROBLEM_FIELDS,
  distill,
  distillFileStats,
  formatDistillStats,
  type DistillStats,
} from '@mixdistill/distill';
import { DEFAULT_CAS_OPTIONS, DEFAULT_GENERATION_SETTINGS } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { endpointConnection, requirePositiveIntegers, withEndpointOptions, type EndpointArgs } from '../flags';

interface Args extends EndpointArgs {
  endpoint?: string;
  'served-model'?: string;
  model?: string;
  problems?: string;
  attempts: number;
  out?: string;
  keep: string;
  prompt: string;
  temperature: number;
  'top-p': number;
  'max-new-tokens': number;
  seed: number;
  'batch-size': number;
  'problem-field': string;
  'solution-field': string;
  'answer-field': string;
  limit?: number;
  'teacher-name'?: string;
  'time-limit': number;
  stats?: string;
  tokenizer?: string;
  json: boolean;
  backend?: string;
}

function printStats(stats: DistillStats, json: boolean): void {
  if (json) process.stdout.write(`${JSON.stringify(stats)}\n`);
  else process.stdout.write(formatDistillStats(stats));
}

export const distillCommand: CommandModule<object, Args> = {
  command: 'distill',
  describe: 'Distill a teacher into an SFT data set by rejection sampling (resumable), or --stats of a data set',
  builder: (y) =>
    withEndpointOptions(withBackendOption(y))
      .option('endpoint', {
        type: 'string',
        describe: 'teacher: OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama)',
      })
      .option('served-model', { type: 'string', describe: 'model name the server serves (with --endpoint)' })
      .option('model', {
        type: 'string',
        describe: 'teacher: local model folder (config.json, safetensors, tokenizer)',
      })
      .option('problems', { type: 'string', describe: 'problems JSONL, e.g. ../shared/data/train/math_train.jsonl' })
      .option('attempts', { type: 'number', default: 4, describe: 'most samples per problem (K)' })
      .option('out', {
        type: 'string',
        describe: 'output JSONL (problem, solution, teacher, attempts, response_tokens); rerun to resume',
      })
      .option('keep', {
        type: 'string',
        choices: ['first-correct', 'all'],
        default: 'first-correct',
        describe: 'keep the first correct sample, or every correct one of the K',
      })
      .option('prompt', {
        type: 'string',
        default: 'paper',
        describe: 'prompt preset (paper, qwen-math-cot, gsm8k-zeroshot) or a template file with {problem}',
      })
      .option('temperature', {
        type: 'number',
        default: 0.7,
        describe: 'sampling temperature (> 0, or every attempt repeats the first)',
      })
      .option('top-p', { type: 'number', default: 0.95, describe: 'nucleus sampling mass' })
      .option('max-new-tokens', {
        type: 'number',
        default: DEFAULT_GENERATION_SETTINGS.maxNewTokens,
        describe: 'most tokens per response',
      })
      .option('seed', { type: 'number', default: 42, describe: 'attempt k samples with seed + k − 1' })
      .option('batch-size', { type: 'number', default: 8, describe: 'local model: prompts decoded together' })
      .option('problem-field', {
        type: 'string',
        default: DEFAULT_PROBLEM_FIELDS.problem,
        describe: 'field with the question',
      })
      .option('solution-field', {
        type: 'string',
        default: DEFAULT_PROBLEM_FIELDS.solution,
        describe: 'field whose last \\boxed{} is the gold answer',
      })
      .option('answer-field', {
        type: 'string',
        default: DEFAULT_PROBLEM_FIELDS.answer,
        describe: 'field with the gold answer (preferred over --solution-field when present)',
      })
      .option('limit', { type: 'number', describe: 'first N problems only' })
      .option('teacher-name', {
        type: 'string',
        describe: 'value of the "teacher" field (default: served model, or the model folder name)',
      })
      .option('time-limit', {
        type: 'number',
        default: DEFAULT_CAS_OPTIONS.timeoutMs,
        describe: 'grader: milliseconds per symbolic comparison',
      })
      .option('stats', {
        type: 'string',
        describe: 'only summarise this existing JSONL (acceptance from its .progress.jsonl when present)',
      })
      .option('tokenizer', {
        type: 'string',
        describe: 'tokenizer folder counting response tokens the teacher (or the --stats file) did not',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the summary as one JSON document' })
      .example(
        '$0 distill --endpoint http://127.0.0.1:8000/v1 --served-model Qwen/QwQ-32B-Preview --problems ../shared/data/train/math_train.jsonl --attempts 4 --out data/long_cot.jsonl',
        'long-CoT set from a vLLM server',
      )
      .example(
        '$0 distill --stats data/long_cot.jsonl',
        'acceptance rate and response length distribution of a data set',
      ),
  handler: async (argv) => {
    if (argv.stats) {
      printStats(distillFileStats(argv.stats, argv.tokenizer), argv.json);
      return;
    }
    if (Boolean(argv.model) === Boolean(argv.endpoint))
      throw new MixdistillError('give exactly one of --model DIR or --endpoint URL (or --stats FILE)');
    if (argv.endpoint && !argv['served-model']) throw new MixdistillError('--endpoint needs --served-model NAME');
    if (!argv.problems) throw new MixdistillError('--problems FILE is required');
    if (!argv.out) throw new MixdistillError('--out FILE.jsonl is required');
    requirePositiveIntegers({
      attempts: argv.attempts,
      concurrency: argv.concurrency,
      'batch-size': argv['batch-size'],
      'max-new-tokens': argv['max-new-tokens'],
      limit: argv.limit,
      retries: argv.retries,
    });
    if (argv.model) await setupBackend(argv.backend);
    const stats = await distill({
      teacher: argv.endpoint
        ? {
            endpoint: argv.endpoint,
            servedModel: argv['served-model']!,
            concurrency: argv.concurrency,
            connection: endpointConnection(argv),
          }
        : { modelDir: argv.model!, batchSize: argv['batch-size'] },
      teacherName: argv['teacher-name'],
      problems: argv.problems,
      fields: { problem: argv['problem-field'], solution: argv['solution-field'], answer: argv['answer-field'] },
      limit: argv.limit,
      out: argv.out,
      attempts: argv.attempts,
      keep: argv.keep as 'first-correct' | 'all',
      prompt: argv.prompt,
      temperature: argv.temperature,
      topP: argv['top-p'],
      maxNewTokens: argv['max-new-tokens'],
      seed: argv.seed,
      timeLimitMs: argv['time-limit'],
      tokenizer: argv.tokenizer,
    });
    printStats(stats, argv.json);
  },
};
