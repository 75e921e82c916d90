// `mixdistill demo` end to end: data -> students -> (size × kind × seed) runs -> report. Every stage
// reuses what an earlier, interrupted demo in the same folder already finished.
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describeBackend, MixdistillError, type BackendInfo } from '@mixdistill/core';
import { loadTokenizer } from '@mixdistill/models';
import { DEMO_KINDS, prepareData, type DataOptions, type DemoData } from './data';
import { runDemoSweep } from './demo_sweep';
import { writeReport } from './report';
import { runAll } from './run_pool';
import type { RunBudget, RunResult, RunSpec } from './runs';
import { majorityAnswer } from './stats';
import { studentSizes } from './students';
import { prepareTeacherData, type TeacherAxisOptions, type TeacherData } from './teacher_data';

/** The teacher axis' settings (its data options and seed are the demo's). */
export type TeacherSettings = Omit<TeacherAxisOptions, 'data' | 'seed'>;
import { DEFAULT_TASK, type TaskConfig } from './task';

/** A complete demo configuration. */
export interface DemoConfig {
  /** output folder (report.md, results.json, plots, data/, students/, runs/) */
  out: string;
  /** student size names, smallest first */
  sizes: string[];
  task: TaskConfig;
  trainProblems: number;
  testProblems: number;
  /** optimisation and evaluation settings shared by every run (maxNewTokens 0: derived from the data) */
  budget: RunBudget;
  /** runs per (size, kind) cell, with seeds budget.seed, budget.seed + 1, … */
  seeds: number;
  /** runs at once, each a single-threaded worker process (0: one per core, at least 2; 1: one after another in this process) */
  jobs: number;
  /**
   * opt-in (`--teachers`: DEFAULT_TEACHER_AXIS): the teacher axis (Table 2): how the two teachers are
   * made; students also train on small-teacher, large-teacher and Mix-Large data
   */
  teachers?: TeacherSettings;
  /** opt-in (`--sweep`): long-CoT weights of a mix-weight sweep on the first size, into OUT/sweep/ */
  sweep?: number[];
}

/**
 * The default run: three student sizes × three data kinds × three seeds = 27 runs of 2,000 steps,
 * two at a time. The steps are what the students need: in calibration runs on seeds 101-102 (never
 * reported) 'tiny' on short CoT still scored like the majority answer after 1,000 steps of 16 (3.2%),
 * 1,600 of 8 (9.6%) or 1,500 of 16 on 2-3 step problems (12%); within 2,000 steps of 16 it learns it
 * (77-83% on seed 1 in earlier builds). 'micro' is the capacity-limited end of the size axis.
 */
export const DEFAULT_DEMO: Omit<DemoConfig, 'out'> = {
  sizes: ['micro', 'tiny', 'small'],
  seeds: 3,
  jobs: 0,
  task: DEFAULT_TASK,
  trainProblems: 4000,
  testProblems: 500,
  budget: {
    steps: 2000,
    batchSize: 16,
    lr: 1e-2,
    warmupRatio: 0.05,
    weightDecay: 0.1,
    seed: 1,
    maxNewTokens: 0,
    evalBatchSize: 256,
  },
};

/** `--quick`: the same pipeline on one size with a small budget: a smoke test (seconds to a minute), not a result. */
export const QUICK_DEMO: Omit<DemoConfig, 'out'> = {
  ...DEFAULT_DEMO,
  sizes: ['tiny'],
  trainProblems: 1000,
  testProblems: 100,
  // A smoke test's students are untrained and ramble: a short response cap keeps evaluation to seconds.
  budget: { ...DEFAULT_DEMO.budget, steps: 40, batchSize: 8, maxNewTokens: 96, evalBatchSize: 100 },
};

/** `jobs` 0 means one run per core, at least 2 (a single-threaded run leaves a core idle otherwise). */
export function demoJobs(jobs: number): number {
  return jobs > 0 ? jobs : Math.max(2, availableParallelism());
}

/**
 * Relative cost of a run, to start the longest first: long CoT is ~4x the tokens of short, and a
 * Mix-Long batch costs about as much as a long one (its short responses are padded to its long
 * ones); the large teacher's CoT is ~3x the small one's.
 */
const KIND_COST: Record<string, number> = { long: 4, mix: 3.5, 'large-teacher': 3, 'mix-large': 2.5 };

/** The teacher axis' data kinds and the file of each (`--teachers`). */
function teacherFiles(t: TeacherData): Record<string, string> {
  return {
    'small-teacher': t.trainFiles.small,
    'large-teacher': t.trainFiles.large,
    'mix-large': t.trainFiles.mixLarge,
  };
}

/** The report's lines on how the teacher axis' data was made. */
function teacherLines(t: TeacherData, d: TeacherSettings): string[] {
  const one = (role: 'small' | 'large', style: string) => {
    const s = t.teachers[role];
    return (
      `${role} = ${s.size} (${(s.params / 1e6).toFixed(2)}M) trained ${s.steps} steps on ${style}, ${s.heldOut.accuracy.toFixed(1)}%` +
      ` greedy on the held-out problems, kept ${(100 * s.acceptance).toFixed(1)}% of the training problems (${s.meanResponseTokens.toFixed(1)} tokens per response)`
    );
  };
  return [
    `Teachers (trained here, then sampled through \`distill\`: temperature ${d.temperature}, up to ${d.attempts} attempts, the first correct answer kept):`,
    `${one('small', 'the short CoT')}; ${one('large', 'the elaborate CoT (each step reread, computed and said in words)')}.`,
    `Every kind trains on the ${t.problems.both} of ${t.problems.total} problems both teachers solved; Mix-Large drew` +
      ` ${t.mix.sources.map((s) => s.drawn).join(' + ')} (large + small) responses paired by problem. Details: teachers/teacher_data.json.`,
  ];
}

/**
 * The specs with the costliest runs first (longest-processing-time order), so the last runs to
 * finish are short ones and the workers end together.
 */
function longestFirst(specs: RunSpec[]): RunSpec[] {
  const cost = (s: RunSpec) => (KIND_COST[s.kind] ?? 1) * s.size.hiddenSize;
  return [...specs].sort((a, b) => cost(b) - cost(a));
}

/** Results back in the specs' order (seed, size, kind), whatever order they ran in. */
function inSpecOrder(results: RunResult[], specs: RunSpec[]): RunResult[] {
  const key = (size: string, kind: string, seed: number) => `${size}/${kind}/${seed}`;
  const byKey = new Map(results.map((r) => [key(r.size, r.kind, r.seed), r]));
  return specs.map((s) => byKey.get(key(s.size.name, s.kind, s.seed))!);
}

/**
 * Longest response the evaluation allows: 1.25× the longest long-CoT teacher solution in tokens, so a
 * student that writes like its teacher is never cut off, and one that loops stops soon after.
 */
function responseBudget(data: DemoData): number {
  const tokenizer = loadTokenizer(data.tokenizerDir);
  let longest = 0;
  for (const line of readFileSync(data.trainFiles.long, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { solution } = JSON.parse(line) as { solution: string };
    longest = Math.max(longest, tokenizer.encode(solution, { addSpecialTokens: false }).length);
  }
  return Math.ceil(longest * 1.25) + 1;
}

/**
 * Runs (or resumes) the demo and writes its report; returns the report's and results.json's paths and
 * the runs. `backend` is the active backend (its kernel table and threads go into the results: they
 * fix the floats).
 */
export async function runDemo(
  config: DemoConfig,
  backend: BackendInfo,
  command: string,
): Promise<{ report: string; resultsFile: string; results: RunResult[] }> {
  if (!(config.budget.steps >= 1))
    throw new MixdistillError(`--steps must be a positive integer, got ${config.budget.steps}`);
  const sizes = studentSizes(config.sizes);
  if (sizes.length === 0) throw new MixdistillError('--sizes: name at least one student size');
  const started = Date.now();
  mkdirSync(config.out, { recursive: true });
  process.stderr.write(`demo: writing data to ${join(config.out, 'data')}\n`);
  const dataOptions: DataOptions = {
    task: config.task,
    trainProblems: config.trainProblems,
    testProblems: config.testProblems,
    seed: config.budget.seed,
  };
  const data = prepareData(join(config.out, 'data'), dataOptions);
  const budget = { ...config.budget, maxNewTokens: config.budget.maxNewTokens || responseBudget(data) };

  const seeds = Array.from({ length: config.seeds }, (_, i) => config.budget.seed + i);
  const specs: RunSpec[] = seeds.flatMap((seed) =>
    sizes.flatMap((size) => DEMO_KINDS.map((kind) => ({ size, kind, trainFile: data.trainFiles[kind], seed }))),
  );
  let teachers: TeacherData | undefined;
  if (config.teachers) {
    process.stderr.write(`demo: training the teachers into ${join(config.out, 'teachers')}\n`);
    teachers = await prepareTeacherData(join(config.out, 'teachers'), data, {
      ...config.teachers,
      data: dataOptions,
      seed: config.budget.seed,
    });
    const files = teacherFiles(teachers);
    for (const seed of seeds)
      for (const size of sizes)
        for (const [kind, trainFile] of Object.entries(files)) specs.push({ size, kind, trainFile, seed });
  }
  const jobs = demoJobs(config.jobs);
  const results = await runAll(config.out, longestFirst(specs), data, budget, { jobs, backend });

  const sweep =
    config.sweep === undefined
      ? undefined
      : (await runDemoSweep(config.out, sizes[0], data, budget, config.sweep, command)).summary;

  const majority = majorityAnswer(data.trainAnswers);
  const majorityCorrect = data.test.filter((p) => p.answer === majority).length;
  const count = (name: string) => data.mix.sources.find((s) => s.file.endsWith(name))?.drawn ?? 0;
  const report = writeReport(config.out, inSpecOrder(results, specs), {
    task: config.task,
    budget,
    seeds,
    trainProblems: config.trainProblems,
    testProblems: config.testProblems,
    majority: { answer: majority, accuracy: (100 * majorityCorrect) / data.test.length },
    mixCounts: { long: count('long.jsonl'), short: count('short.jsonl') },
    backend: describeBackend(backend).replace(/^backend: /, ''),
    kernels: backend.kernels,
    threads: results[0]?.threads ?? backend.threads,
    jobs,
    teachers: teachers && config.teachers && teacherLines(teachers, config.teachers),
    sweep,
    totalSeconds: (Date.now() - started) / 1000,
    command,
  });
  return { report, resultsFile: join(config.out, 'results.json'), results };
}
