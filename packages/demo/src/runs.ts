// One demo run = one student size × one data kind: SFT through the train package's `train` (the
// code path of `mixdistill train`), then greedy evaluation on the held-out split. A run whose
// result.json exists is finished and is read back instead of redone; an interrupted run restarts its
// training (a few minutes at most) and resumes its evaluation from the graded records.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressBar, writeFileAtomic } from '@mixdistill/core';
import { train, TRAIN_DEFAULTS, type StepMetrics, type TrainConfig } from '@mixdistill/train';
import type { DemoData, DemoKind } from './data';
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
  /** seed of initialisation, shuffling and mixing */
  seed: number;
  /** longest generated response at evaluation (tokens) */
  maxNewTokens: number;
  /** prompts decoded together at evaluation */
  evalBatchSize: number;
}

/** What one finished run produced (its result.json). */
export interface RunResult {
  size: string;
  kind: DemoKind;
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
}

/**
 * The training of every demo run (and of every weight of `demo --sweep`): the budget's optimisation
 * from `modelDir`; the caller adds `data` and `out`.
 */
export function runTrainConfig(modelDir: string, budget: RunBudget): Omit<TrainConfig, 'data' | 'out'> {
  return {
    ...TRAIN_DEFAULTS,
    model: modelDir,
    batchSize: budget.batchSize,
    maxSteps: budget.steps,
    lr: budget.lr,
    lrScheduler: 'cosine',
    warmupRatio: budget.warmupRatio,
    weightDecay: budget.weightDecay,
    seed: budget.seed,
    // Only the final model is saved: runs take minutes, so an interrupted run is simply redone
    // (finished runs are kept), and mid-run checkpoints stalled the native backend (see report).
    saveSteps: 0,
    resume: false,
    overwrite: true,
  };
}

/** Creates (once per size) the randomly initialised student that all kinds of that size start from. */
export function initialStudent(
  outDir: string,
  size: StudentSize,
  data: DemoData,
  seed: number,
): { dir: string; params: number } {
  const dir = join(outDir, 'students', `${size.name}-init`);
  const paramsFile = join(dir, 'params.json');
  if (existsSync(paramsFile))
    return { dir, params: (JSON.parse(readFileSync(paramsFile, 'utf8')) as { params: number }).params };
  const params = createStudent(dir, size, data.vocabSize, data.ids, data.tokenizerDir, seed);
  writeFileAtomic(paramsFile, `${JSON.stringify({ params })}\n`);
  return { dir, params };
}

function readMetrics(file: string): StepMetrics[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as StepMetrics);
}

/** Trains and evaluates one (size, kind), or returns its saved result. */
export async function runOne(
  outDir: string,
  size: StudentSize,
  kind: DemoKind,
  data: DemoData,
  budget: RunBudget,
): Promise<RunResult> {
  const runDir = join(outDir, 'runs', `${size.name}-${kind}`);
  const resultFile = join(runDir, 'result.json');
  if (existsSync(resultFile)) return JSON.parse(readFileSync(resultFile, 'utf8')) as RunResult;
  mkdirSync(runDir, { recursive: true });
  const student = initialStudent(outDir, size, data, budget.seed);
  const trainDir = join(runDir, 'train');
  const finalDir = join(trainDir, 'final');

  process.stderr.write(
    `\n== ${size.name} (${student.params.toLocaleString('en-US')} params) on ${kind} CoT: ${budget.steps} steps\n`,
  );
  const trainStarted = Date.now();
  if (!existsSync(join(finalDir, 'config.json'))) {
    await train(
      { ...runTrainConfig(student.dir, budget), data: [{ file: data.trainFiles[kind], weight: null }], out: trainDir },
      { resumeCommand: 'the same demo command (finished runs are reused)' },
    );
  }
  const metrics = readMetrics(join(trainDir, 'metrics.jsonl'));
  const trainSeconds = metrics.at(-1)?.elapsed_s ?? (Date.now() - trainStarted) / 1000;

  const evalStarted = Date.now();
  const progress = new ProgressBar(`eval ${size.name}-${kind}`, data.test.length);
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
    params: student.params,
    steps: metrics.length,
    trainTokens: metrics.reduce((a, m) => a + m.tokens, 0),
    trainSeconds,
    evalSeconds: (Date.now() - evalStarted) / 1000,
    eval: evalResult,
    losses: metrics.map((m) => m.loss),
    modelDir: finalDir,
  };
  writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(
    `   ${size.name}-${kind}: ${evalResult.accuracy.toFixed(1)}% (${evalResult.correct}/${evalResult.total})\n`,
  );
  return result;
}
