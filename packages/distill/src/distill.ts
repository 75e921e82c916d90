// Distillation end to end (what `mixdistill distill` runs): read the problems, ask a teacher (an
// OpenAI-compatible endpoint or a local checkpoint, through eval's generators and prompt presets) up
// to K times each, keep responses the eval grader accepts, write them as they finish (resumable), and
// summarise the data set. Progress and notes go to stderr; the summary is returned.
import { basename, resolve } from 'node:path';
import { ProgressBar } from '@mixdistill/core';
import {
  createLocalGenerator,
  gradeResponse,
  lastBoxed,
  type EndpointConnection,
  OpenAIGenerator,
  resolvePrompt,
  stopCas,
  type GenerationSettings,
} from '@mixdistill/eval';
import { loadTokenizer } from '@mixdistill/models';
import { DistillOutput, progressFileOf, readJsonl, type ProblemProgress } from './distill_output';
import { distillStats, type DistillStats, type StatsRow } from './distill_stats';
import { generatorTeacher } from './generator_teacher';
import { readProblems, type ProblemFields } from './problems';
import { distillProblems, type DistillTeacher } from './rejection_sampling';

/** A teacher served by an OpenAI-compatible server (vLLM, llama.cpp, Ollama). */
export interface EndpointTeacher {
  /** API root, e.g. http://127.0.0.1:8000/v1 */
  endpoint: string;
  /** model name the server serves */
  servedModel: string;
  /** requests in flight */
  concurrency: number;
  /** time-outs, retries and key */
  connection: EndpointConnection;
}

/** A teacher loaded from a local model folder (the tensor backend must be selected first). */
export interface LocalTeacher {
  /** model folder: config.json, safetensors, tokenizer */
  modelDir: string;
  /** prompts decoded together */
  batchSize: number;
}

/** Everything a distillation run needs. */
export interface DistillOptions {
  teacher: EndpointTeacher | LocalTeacher;
  /** value of every row's "teacher" field (default: the served model, or the model folder's name) */
  teacherName?: string;
  /** problems JSONL */
  problems: string;
  /** fields of the problems file holding the question and the gold answer */
  fields: ProblemFields;
  /** first N problems only */
  limit?: number;
  /** output JSONL; rerunning with the same file resumes */
  out: string;
  /** most samples per problem (K) */
  attempts: number;
  /** keep the first correct sample, or every correct one of the K */
  keep: 'first-correct' | 'all';
  /** eval prompt preset name or template file with {problem} */
  prompt: string;
  /** sampling temperature (> 0, or every attempt repeats the first) */
  temperature: number;
  /** nucleus sampling mass */
  topP: number;
  /** most tokens per response */
  maxNewTokens: number;
  /** attempt k samples with seed + k − 1 */
  seed: number;
  /** grader: milliseconds per symbolic comparison */
  timeLimitMs: number;
  /** tokenizer folder counting response tokens the teacher did not report */
  tokenizer?: string;
}

function isEndpoint(t: EndpointTeacher | LocalTeacher): t is EndpointTeacher {
  return 'endpoint' in t;
}

/** Response length in tokens by a tokenizer folder's tokenizer (no special tokens added). */
function tokenCounter(dir: string | undefined): ((text: string) => number) | undefined {
  if (!dir) return undefined;
  const tokenizer = loadTokenizer(dir);
  return (text) => tokenizer.encode(text, { addSpecialTokens: false }).length;
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

/**
 * Summarises a distilled data set (any problem/solution JSONL): acceptance from its
 * `.progress.jsonl` when present, response lengths from `response_tokens` or, for rows without a
 * count, from the tokenizer in `tokenizerDir`.
 */
export function distillFileStats(file: string, tokenizerDir?: string): DistillStats {
  const countTokens = tokenCounter(tokenizerDir);
  const rows = readJsonl<StatsRow & { solution?: unknown }>(file).rows;
  if (countTokens) {
    // Rows without a count (another tool's data set, a server without usage) are counted here.
    for (const row of rows) {
      if (typeof row.response_tokens !== 'number' && typeof row.solution === 'string')
        row.response_tokens = countTokens(row.solution);
    }
  }
  const progress = readJsonl<ProblemProgress>(progressFileOf(file)).rows;
  return distillStats(rows, progress);
}

/** Distils (or resumes distilling) every problem into `options.out`; returns the data set's summary. */
export async function distill(options: DistillOptions): Promise<DistillStats> {
  const countTokens = tokenCounter(options.tokenizer);
  const problemSet = readProblems(options.problems, options.fields, lastBoxed);
  if (problemSet.skipped.length > 0) {
    process.stderr.write(
      `distill: skipped ${problemSet.skipped.length} problems without a gold answer (${problemSet.skipped.slice(0, 3).join(', ')})\n`,
    );
  }
  const problems = problemSet.problems.slice(0, options.limit);
  const prompt = resolvePrompt(options.prompt);
  const settings = (seed: number): GenerationSettings => ({
    maxNewTokens: options.maxNewTokens,
    temperature: options.temperature,
    topP: options.topP,
    stop: prompt.stop,
    seed,
  });
  const source = options.teacher;
  let name: string;
  let teacher: DistillTeacher;
  if (isEndpoint(source)) {
    name = options.teacherName ?? source.servedModel;
    teacher = generatorTeacher(
      name,
      prompt,
      options.seed,
      async (seed) =>
        new OpenAIGenerator({
          endpoint: source.endpoint,
          servedModel: source.servedModel,
          concurrency: source.concurrency,
          ...source.connection,
          settings: settings(seed),
        }),
      countTokens,
    );
  } else {
    name = options.teacherName ?? basename(resolve(source.modelDir));
    teacher = generatorTeacher(
      name,
      prompt,
      options.seed,
      (seed) =>
        createLocalGenerator({ modelDir: source.modelDir, batchSize: source.batchSize, settings: settings(seed) }),
      countTokens,
    );
  }
  const grading = { cas: { timeoutMs: options.timeLimitMs, startupMs: 30_000, maxLength: 400 } };
  // MATH-style gold answers: read as the eval harness reads the "math" benchmark's.
  const grade = (response: string, gold: string) => gradeResponse(response, gold, 'math', grading).correct;

  const output = DistillOutput.open(options.out);
  const left = problems.filter((p) => !output.done.has(p.index)).length;
  process.stderr.write(
    `distill: ${problems.length} problems, ${problems.length - left} already done, teacher ${name}, up to ${options.attempts} attempts\n`,
  );
  try {
    await distillProblems(
      problems,
      teacher,
      grade,
      output,
      { attempts: options.attempts, keep: options.keep },
      progressPrinter(),
    );
  } finally {
    stopCas();
  }
  return distillFileStats(options.out, options.tokenizer);
}
