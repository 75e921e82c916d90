// One demo run = one student size × one data kind × one seed: SFT through the train package's `train`
// (the code path of `mixdistill train`), then greedy evaluation on the held-out split. A run whose
// result.json exists is finished and is read back instead of redone; an interrupted run restarts its
// training (a few minutes at most) and resumes its evaluation from the graded records.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BackendInfo, ProgressBar, writeFileAtomic } from '@mixdistill/core';
import { train, TRAIN_DEFAULTS, type StepMetrics, type TrainConfig } from '@mixdistill/train';
import type { DemoData } from './data';
import { evaluateStudent, type DemoEvalResult } from './evaluate';
import { createStudent, type StudentSize } from './students';

/** The optimisation every run shares (same optimiser, schedule and number of steps for every kind). */
export interface RunBudget {
  /** optimizer steps per run */
  steps: number;
  /** examples per optimizer step (one micro-batch, padded to its longest example) */
  batchSize: number;
  /** peak learning rate of the cosine schedule */
  lr: number;
  /** linear warm-up as a fraction of the steps */
  warmupRatio: number;
  /** AdamW decoupled weight decay (not on biases and norms, as the HF Trainer) */
  weightDecay: number;
  /** base seed: the data (problems, Mix-Long draw) use it; run i of a cell uses seed + i */
  seed: number;
  /** longest generated response at evaluation (tokens) */
  maxNewTokens: number;
  /** prompts decoded together at evaluation */
  evalBatchSize: number;
}

/** One run to do. */
export interface RunSpec {
  size: StudentSize;
  /** its data kind: a column of the tables ('long', 'short', 'mix', or a teacher's data) */
  kind: string;
  /** the training JSONL of that kind */
  trainFile: string;
  /** seed of the student's initialisation and of the data order */
  seed: number;
}

/** The run's folder name: `<size>-<kind>-seed<seed>`. */
export function runName(spec: Pick<RunSpec, 'kind' | 'seed'> & { size: { name: string } }): string {
  return `${spec.size.name}-${spec.kind}-seed${spec.seed}`;
}

/** What one finished run produced (its result.json). */
export interface RunResult {
  size: string;
  kind: string;
  seed: number;
  /** trainable parameters of the student */
  params: number;
  steps: number;
  /** non-pad tokens processed in training (summed over steps) */
  trainTokens: number;
  trainSeconds: number;
  evalSeconds: number;
  eval: DemoEvalResult;
  /** training loss per optimizer step */
  losses: number[];
  /** trained model folder */
  modelDir: string;
  /** the native kernel table (null on other backends) and the threads: with the seed they fix the floats */
  kernels: string | null;
  threads: number;
}

/**
 * Rows per micro-batch: a step's examples run as micro-batches of this many rows whose gradients
 * are summed (gradient accumulation: the same loss and update, summed in another order). Two runs
 * share the machine, and one 16-row micro-batch's activations (~4,600 tokens on long CoT) evicted
 * the other run's from the cache: small on Mix-Long trained in 94 s alone but 163 s beside small on
 * long CoT; with 4-row micro-batches, 89 s alone and 94 s beside it (8-row: 113 s beside it).
 */
const MICRO_BATCH_ROWS = 4;

/**
 * The training of every demo run (of every weight of `demo --sweep`, and of the `--teachers` teachers): the budget's optimisation
 * from `modelDir`; the caller adds `data` and `out`.
 */
export function runTrainConfig(
  modelDir: string,
  budget: Pick<RunBudget, 'batchSize' | 'steps' | 'lr' | 'warmupRatio' | 'weightDecay'>,
  seed: number,
): Omit<TrainConfig, 'data' | 'out'> {
  return {
    ...TRAIN_DEFAULTS,
    model: modelDir,
    ...microBatches(budget.batchSize),
    maxSteps: budget.steps,
    lr: budget.lr,
    lrScheduler: 'cosine',
    warmupRatio: budget.warmupRatio,
    weightDecay: budget.weightDecay,
    seed,
    // Random batches, not grouped by length: grouped (the HF Trainer's group_by_length, which would
    // spare Mix-Long's padding) every step saw problems of one length, and at this scale that broke
    // learning (seeds 11-13: tiny on long CoT 31/28/56% against 59-96% before, small on Mix-Long 4%
    // against 95-98%).
    groupByLength: false,
    // The same random batches, each laid end to end in one row (transformers' DataCollatorWithFlattening):
    // the loss of padding without its compute, which on Mix-Long (a few long CoTs among short ones) was
    // over half of every batch.
    paddingFree: true,
    // Only the final model is saved: runs take minutes, so an interrupted run is simply redone
    // (finished runs are kept), and mid-run checkpoints stalled the native backend (see report).
    saveSteps: 0,
    resume: false,
    overwrite: true,
  };
}

/** A step of `batchSize` examples as micro-batches of MICRO_BATCH_ROWS rows (whole, else one micro-batch). */
function microBatches(batchSize: number): { batchSize: number; gradAccum: number } {
  const gradAccum = batchSize % MICRO_BATCH_ROWS === 0 ? batchSize / MICRO_BATCH_ROWS : 1;
  return { batchSize: batchSize / gradAccum, gradAccum };
}

/** Creates (once per size and seed) the randomly initialised student that every kind of that size and seed starts from. */
export function initialStudent(
  outDir: string,
  size: StudentSize,
  data: DemoData,
  seed: number,
): { dir: string; params: number } {
  const dir = join(outDir, 'students', `${size.name}-seed${seed}-init`);
  const paramsFile = join(dir, 'params.json');
  if (existsSync(paramsFile))
    return { dir, params: (JSON.parse(readFileSync(paramsFile, 'utf8')) as { params: number }).params };
  const params = createStudent(dir, size, data.vocabSize, data.ids, data.tokenizerDir, seed);
  writeFileAtomic(paramsFile, `${JSON.stringify({ params })}\n`);
  return { dir, params };
}

/** The per-step metrics a training run wrote (none when it has not started). */
export function readMetrics(file: string): StepMetrics[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StepMetrics);
}

/** The finished run's result, or null. */
export function savedResult(outDir: string, spec: RunSpec): RunResult | null {
  const file = join(outDir, 'runs', runName(spec), 'result.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunResult) : null;
}

/** Trains and evaluates one (size, kind, seed) on the active backend, or returns its saved result. */
export async function runOne(
  outDir: string,
  spec: RunSpec,
  data: DemoData,
  budget: RunBudget,
  backend: Pick<BackendInfo, 'kernels' | 'threads'>,
): Promise<RunResult> {
  const saved = savedResult(outDir, spec);
  if (saved) return saved;
  const { size, kind, seed } = spec;
  const runDir = join(outDir, 'runs', runName(spec));
  const resultFile = join(runDir, 'result.json');
  mkdirSync(runDir, { recursive: true });
  const student = initialStudent(outDir, size, data, seed);
  const trainDir = join(runDir, 'train');
  const finalDir = join(trainDir, 'final');

  process.stderr.write(
    `\n== ${size.name} (${student.params.toLocaleString('en-US')} params) on ${kind} CoT, seed ${seed}: ${budget.steps} steps\n`,
  );
  const trainStarted = Date.now();
  if (!existsSync(join(finalDir, 'config.json'))) {
    await train(
      { ...runTrainConfig(student.dir, budget, seed), data: [{ file: spec.trainFile, weight: null }], out: trainDir },
      { resumeCommand: 'the same demo command (finished runs are reused)' },
    );
  }
  const metrics = readMetrics(join(trainDir, 'metrics.jsonl'));
  const trainSeconds = metrics.at(-1)?.elapsed_s ?? (Date.now() - trainStarted) / 1000;

  const evalStarted = Date.now();
  const progress = new ProgressBar(`eval ${runName(spec)}`, data.test.length);
  const evalResult = await evaluateStudent({
    modelDir: finalDir,
    test: data.test,
    recordsFile: join(runDir, 'eval.jsonl'),
    maxNewTokens: budget.maxNewTokens,
    batchSize: budget.evalBatchSize,
    progress,
  });
  progress.finish();
  const result: RunResult = {
    size: size.name,
    kind,
    seed,
    params: student.params,
    steps: metrics.length,
    trainTokens: metrics.reduce((a, m) => a + m.tokens, 0),
    trainSeconds,
    evalSeconds: (Date.now() - evalStarted) / 1000,
    eval: evalResult,
    losses: metrics.map((m) => m.loss),
    modelDir: finalDir,
    kernels: backend.kernels,
    threads: backend.threads,
  };
  writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(
    `   ${runName(spec)}: ${evalResult.accuracy.toFixed(1)}% (${evalResult.correct}/${evalResult.total})\n`,
  );
  return result;
}
