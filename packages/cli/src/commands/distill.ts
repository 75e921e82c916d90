// `mixdistill distill`: builds an SFT data set from a teacher by rejection sampling (the paper's long /
// short / large- / small-teacher CoT sets), or summarises an existing one with --stats.
import { basename, resolve } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import {
  DEFAULT_GENERATION_SETTINGS,
  OpenAIGenerator,
  createLocalGenerator,
  gradeResponse,
  lastBoxed,
  resolvePrompt,
  stopCas,
  type GenerationSettings,
  DEFAULT_CAS_OPTIONS,
} from '@mixdistill/eval';
import { loadTokenizer } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { endpointConnection, withEndpointOptions, type EndpointArgs } from '../endpoint_options';
import { ProgressBar } from '../progress';
import { DistillOutput, progressFileOf, readJsonl, type ProblemProgress } from '../distill/distill_output';
import { distillStats, formatDistillStats, type StatsRow } from '../distill/distill_stats';
import { generatorTeacher } from '../distill/generator_teacher';
import { DEFAULT_PROBLEM_FIELDS, readProblems } from '../distill/problems';
import { distillProblems, type DistillTeacher } from '../distill/rejection_sampling';

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
  concurrency: number;
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

function positiveInteger(flag: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw new MixdistillError(`--${flag}: expected a positive integer, got ${value}`);
}

/** A progress bar over the problems on stderr, with the acceptance so far. */
function progressPrinter(): (finished: number, total: number, kept: number) => void {
  let kept = 0;
  let bar: ProgressBar | undefined;
  return (finished, total, keptNow) => {
    bar ??= new ProgressBar('distill', total);
    kept += keptNow > 0 ? 1 : 0;
    bar.update(finished, `${kept} accepted (${((100 * kept) / Math.max(1, finished)).toFixed(1)}%)`);
    if (finished === total) bar.finish();
  };
}

/** Response length in tokens by a tokenizer folder's tokenizer (no special tokens added). */
function tokenCounter(dir: string | undefined): ((text: string) => number) | undefined {
  if (!dir) return undefined;
  const tokenizer = loadTokenizer(dir);
  return (text) => tokenizer.encode(text, { addSpecialTokens: false }).length;
}

function printStats(outFile: string, json: boolean, countTokens?: (text: string) => number): void {
  const rows = readJsonl<StatsRow & { solution?: unknown }>(outFile).rows;
  if (countTokens) {
    // Rows without a count (another tool's data set, a server without usage) are counted here.
    for (const row of rows) {
      if (typeof row.response_tokens !== 'number' && typeof row.solution === 'string')
        row.response_tokens = countTokens(row.solution);
    }
  }
  const progress = readJsonl<ProblemProgress>(progressFileOf(outFile)).rows;
  const stats = distillStats(rows, progress);
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
      .option('concurrency', { type: 'number', default: 16, describe: 'endpoint: requests in flight' })
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
    const countTokens = tokenCounter(argv.tokenizer);
    if (argv.stats) {
      printStats(argv.stats, argv.json, countTokens);
      return;
    }
    if (Boolean(argv.model) === Boolean(argv.endpoint))
      throw new MixdistillError('give exactly one of --model DIR or --endpoint URL (or --stats FILE)');
    if (argv.endpoint && !argv['served-model']) throw new MixdistillError('--endpoint needs --served-model NAME');
    if (!argv.problems) throw new MixdistillError('--problems FILE is required');
    if (!argv.out) throw new MixdistillError('--out FILE.jsonl is required');
    for (const flag of ['attempts', 'concurrency', 'batch-size', 'max-new-tokens', 'limit', 'retries'] as const)
      positiveInteger(flag, argv[flag]);

    const fields = { problem: argv['problem-field'], solution: argv['solution-field'], answer: argv['answer-field'] };
    const problemSet = readProblems(argv.problems, fields, lastBoxed);
    if (problemSet.skipped.length > 0) {
      process.stderr.write(
        `distill: skipped ${problemSet.skipped.length} problems without a gold answer (${problemSet.skipped.slice(0, 3).join(', ')})\n`,
      );
    }
    const problems = problemSet.problems.slice(0, argv.limit);
    const prompt = resolvePrompt(argv.prompt);
    const settings = (seed: number): GenerationSettings => ({
      maxNewTokens: argv['max-new-tokens'],
      temperature: argv.temperature,
      topP: argv['top-p'],
      stop: prompt.stop,
      seed,
    });
    let name: string;
    let teacher: DistillTeacher;
    if (argv.endpoint) {
      name = argv['teacher-name'] ?? argv['served-model']!;
      const endpoint = argv.endpoint;
      const connection = endpointConnection(argv);
      teacher = generatorTeacher(
        name,
        prompt,
        argv.seed,
        async (seed) =>
          new OpenAIGenerator({
            endpoint,
            servedModel: argv['served-model']!,
            concurrency: argv.concurrency,
            ...connection,
            settings: settings(seed),
          }),
        countTokens,
      );
    } else {
      await setupBackend(argv.backend);
      name = argv['teacher-name'] ?? basename(resolve(argv.model!));
      const modelDir = argv.model!;
      teacher = generatorTeacher(
        name,
        prompt,
        argv.seed,
        (seed) => createLocalGenerator({ modelDir, batchSize: argv['batch-size'], settings: settings(seed) }),
        countTokens,
      );
    }
    const grading = { cas: { timeoutMs: argv['time-limit'], startupMs: 30_000, maxLength: 400 } };
    // MATH-style gold answers: read as the eval harness reads the "math" benchmark's.
    const grade = (response: string, gold: string) => gradeResponse(response, gold, 'math', grading).correct;

    const output = DistillOutput.open(argv.out);
    const left = problems.filter((p) => !output.done.has(p.index)).length;
    process.stderr.write(
      `distill: ${problems.length} problems, ${problems.length - left} already done, teacher ${name}, up to ${argv.attempts} attempts\n`,
    );
    try {
      await distillProblems(
        problems,
        teacher,
        grade,
        output,
        { attempts: argv.attempts, keep: argv.keep as 'first-correct' | 'all' },
        progressPrinter(),
      );
    } finally {
      stopCas();
    }
    printStats(argv.out, argv.json, countTokens);
  },
};
