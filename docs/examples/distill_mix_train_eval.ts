// Mix Distillation from TypeScript, end to end in one file, through the packages' public exports only:
//
//   1. distil a long-CoT and a short-CoT data set from two teachers behind OpenAI-compatible endpoints
//      (rejection sampling: only responses whose boxed answer is right are kept);
//   2. mix them as the paper's Mix-Long (0.2 long + 0.8 short, paired on the problem);
//   3. fine-tune a student (here the tiny Qwen2 test fixture, a few steps);
//   4. evaluate the student on a benchmark;
//   5. write the report in the paper's Table 3 layout (one row per evaluated run).
//
// The teachers are eval's fake OpenAI server answering from a table, so the example runs offline in
// seconds; point `endpoint` at vLLM / llama.cpp / Ollama and `student` at a real model folder for the
// real thing. Run: `pnpm tsx docs/examples/distill_mix_train_eval.ts [workDir]`.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { selectBackend } from '@mixdistill/core';
import { DEFAULT_PROBLEM_FIELDS, distill, type DistillOptions, type DistillStats } from '@mixdistill/distill';
import { compareRuns, evaluate, type EvalResults } from '@mixdistill/eval';
import { startFakeOpenAIServer, writeCharTokenizer, writeFixtureBenchmarks } from '@mixdistill/eval/testing';
import { mixFiles, TRAIN_DEFAULTS, train, type MixMeta, type TrainResult } from '@mixdistill/train';

/** A tiny problem set: [question, answer]. */
const PROBLEMS: [string, number][] = [
  ['What is 12 + 30?', 42],
  ['What is 7 * 8?', 56],
  ['What is 100 - 37?', 63],
  ['What is 9 * 9?', 81],
  ['What is 64 / 4?', 16],
  ['What is 15 + 27?', 42],
  ['What is 3 * 14?', 42],
  ['What is 50 - 8?', 42],
];

/** The problem whose text appears in a rendered prompt (the teachers see eval's prompt preset around it). */
function problemIn(prompt: string): [string, number] {
  const found = PROBLEMS.find(([question]) => prompt.includes(question));
  if (!found) throw new Error(`no known problem in: ${prompt}`);
  return found;
}

/** A long-CoT teacher: thinks aloud, checks itself, and gets 9 * 9 wrong (rejection sampling drops it). */
function longTeacher(prompt: string): string {
  const [question, answer] = problemIn(prompt);
  const given = question.includes('9 * 9') ? answer + 1 : answer;
  return `Let me think step by step. ${question} Compute it: ${given}. Wait, let me verify: ${given} is right. Final Answer: \\boxed{${given}}`;
}

/** A short-CoT teacher: the answer with one line of working. */
function shortTeacher(prompt: string): string {
  const [question, answer] = problemIn(prompt);
  return `${question.replace('What is ', '').replace('?', '')} = ${answer}. \\boxed{${answer}}`;
}

/** What the example produced, for a caller (or a test) to look at. */
export interface ExampleResult {
  long: DistillStats;
  short: DistillStats;
  mix: MixMeta;
  training: TrainResult;
  evaluation: EvalResults;
  /** files of the report: table.md, table.csv, accuracy.svg, … */
  report: string[];
}

/** Runs the whole pipeline under `workDir`. */
export async function main(workDir: string): Promise<ExampleResult> {
  mkdirSync(workDir, { recursive: true });
  await selectBackend(process.env.MIXDISTILL_BACKEND);

  // --- 1. distil: one data set per teacher, resumable (rerun with the same `out` to continue)
  const problems = join(workDir, 'problems.jsonl');
  writeFileSync(problems, PROBLEMS.map(([problem, answer]) => `${JSON.stringify({ problem, answer })}\n`).join(''));
  const teachers = { long: await startFakeOpenAIServer(longTeacher), short: await startFakeOpenAIServer(shortTeacher) };
  const distilled: Record<'long' | 'short', DistillStats> = {} as Record<'long' | 'short', DistillStats>;
  try {
    for (const kind of ['long', 'short'] as const) {
      const options: DistillOptions = {
        teacher: {
          endpoint: teachers[kind].endpoint,
          servedModel: `${kind}-teacher`,
          concurrency: 4,
          connection: { timeoutMs: 30_000, retries: 2, backoffMs: 1000 },
        },
        problems,
        fields: DEFAULT_PROBLEM_FIELDS,
        out: join(workDir, `${kind}_cot.jsonl`),
        attempts: 2,
        keep: 'first-correct',
        prompt: 'paper',
        temperature: 0.7,
        topP: 0.95,
        maxNewTokens: 512,
        seed: 0,
        timeLimitMs: 2000,
      };
      distilled[kind] = await distill(options);
    }
  } finally {
    await teachers.long.close();
    await teachers.short.close();
  }

  // --- 2. mix: Mix-Long, each problem's response drawn from the long set with probability 0.2
  const { meta: mix } = mixFiles(
    [
      { file: join(workDir, 'long_cot.jsonl'), weight: 0.2 },
      { file: join(workDir, 'short_cot.jsonl'), weight: 0.8 },
    ],
    { out: join(workDir, 'mix_long.jsonl'), seed: 42, by: 'problem', skipBadLines: false },
  );

  // --- 3. train: the student is the tiny Qwen2 fixture made a complete model folder by a character tokenizer
  const student = join(workDir, 'student');
  cpSync(resolve(import.meta.dirname, '../../fixtures/tiny-qwen2'), student, { recursive: true });
  writeCharTokenizer(student);
  const training = await train({
    ...TRAIN_DEFAULTS,
    model: student,
    data: [{ file: mix.out, weight: null }],
    out: join(workDir, 'run'),
    maxSteps: 3,
    batchSize: 2,
    lr: 1e-3,
  });

  // --- 4. evaluate the fine-tuned student, greedily, on a benchmark (here the offline fixture copy of GSM8K)
  const dataDir = join(workDir, 'benchmarks');
  writeFixtureBenchmarks(dataDir);
  const evaluation = await evaluate({
    model: { modelDir: training.finalDir, batchSize: 2 },
    benchmarks: ['gsm8k'],
    dataDir,
    limit: 2,
    out: join(workDir, 'eval'),
    prompt: 'paper',
    maxNewTokens: 8,
    temperature: 0,
    topP: 1,
    stop: [],
    seed: 0,
    timeLimitMs: 2000,
    metadata: { mixWeight: 0.2, name: 'mix-long' },
  });

  // --- 5. report: Table 3's layout over the evaluated runs (here one; pass every run's eval folder)
  const { files: report } = compareRuns([join(workDir, 'eval')], {
    out: join(workDir, 'report'),
    weightKey: 'mixWeight',
  });
  return { long: distilled.long, short: distilled.short, mix, training, evaluation, report };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const workDir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'mixdistill-example-'));
  const result = await main(workDir);
  const gsm8k = result.evaluation.benchmarks.gsm8k!;
  process.stdout.write(
    `distilled: long ${result.long.rows} rows, short ${result.short.rows} rows\n` +
      `Mix-Long: ${result.mix.sources.map((s) => `${s.drawn} from ${s.file}`).join(', ')}\n` +
      `trained ${result.training.totalSteps} steps -> ${result.training.finalDir}\n` +
      `gsm8k: ${gsm8k.correct}/${gsm8k.total} (${gsm8k.accuracy.toFixed(1)}%)\n` +
      `report: ${result.report.join(', ')}\n` +
      `everything is under ${workDir}\n`,
  );
}
