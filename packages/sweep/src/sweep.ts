// The mix-weight sweep (Mix Distillation, arXiv 2502.12143, Figure 6): for each weight w of the long-CoT
// set, mix w·long + (1 − w)·short (train's `mixFiles`), fine-tune the same start model on it (train's
// `train`) and score the result (eval's `evaluate` on benchmarks, or any `SweepEvaluator`, e.g. the
// demo's toy task). One folder per weight, each stage skipped when its output is complete:
//
//   OUT/w0.2/mix.jsonl (+ mix.meta.json)   the mix (deterministic for the seed)
//   OUT/w0.2/train/                        a training run folder; an interrupted one resumes from its
//                                          last checkpoint (--save-steps), else restarts
//   OUT/w0.2/eval/                         the evaluator's output (eval's runner resumes per problem)
//   OUT/w0.2/result.json                   written last: a weight with it is finished and skipped
//
// then OUT/summary.json, OUT/summary.md and OUT/figure6.svg over every finished weight.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MixdistillError, writeFileAtomic } from '@mixdistill/core';
import { BadLineSink, listCheckpoints, mixFiles, readJsonl, train, type TrainConfig } from '@mixdistill/train';
import { writeSweepSummary, type SweepSummary } from './summary';

/** Correct and total per scored set (a benchmark name, or e.g. `demo`). */
export type SweepScores = Record<string, { correct: number; total: number }>;

/**
 * Scores one trained model. `modelDir` is the trained model folder, `evalDir` a folder of its own for
 * the evaluator's files (it must resume from them when called again), `weight` the long-CoT weight.
 */
export type SweepEvaluator = (modelDir: string, evalDir: string, weight: number) => Promise<SweepScores>;

/** A complete sweep. */
export interface SweepConfig {
  /** long-CoT weights to train, each in [0, 1] (the short set gets 1 − w); e.g. [0, 0.2, 0.5, 0.8, 1] */
  weights: number[];
  /** long-CoT SFT set (JSONL) */
  long: string;
  /** short-CoT SFT set (JSONL) */
  short: string;
  /** sweep folder: w<weight>/, summary.json, summary.md, figure6.svg */
  out: string;
  /** pair the two sets on this field (each value's response drawn from one set), as the paper's Mix-Long */
  mixBy?: string;
  /**
   * records per mix; default: with `mixBy` every shared value, else the smaller set's size, so that
   * every weight trains on the same number of examples (the weights differ only in what they mix)
   */
  mixSize?: number;
  /**
   * training of every weight (start model, optimiser, batches; `seed` also seeds the mix); `data`,
   * `out`, `resume` and `overwrite` are the sweep's to set
   */
  train: Omit<TrainConfig, 'data' | 'out' | 'resume'>;
  /** scores a trained model */
  evaluate: SweepEvaluator;
  /**
   * the evaluator's settings that change a score (benchmarks, limit, prompt, response length):
   * recorded with each weight, so a rerun with other settings is refused rather than mixed in
   */
  evaluation: Record<string, unknown>;
  /** what reproduces the sweep, recorded in the summary */
  command: string;
}

/** What one finished weight produced (its result.json). */
export interface WeightResult {
  /** long-CoT weight */
  weight: number;
  /** records the mix drew from each set */
  drawn: { long: number; short: number };
  /** optimizer steps trained */
  steps: number;
  /** final training loss */
  finalLoss: number | null;
  /** trained model folder that was evaluated */
  modelDir: string;
  scores: SweepScores;
  /** what produced it (sets, mix, training, evaluation): a rerun must match it to reuse the result */
  settings: Record<string, unknown>;
}

/** The folder of one weight: `w0.2`, `w0`, `w1` (the weight as JavaScript prints it). */
export function weightDir(out: string, weight: number): string {
  return join(out, `w${weight}`);
}

/** Parses `0,0.1,0.2` (the `--weights` flag); each in [0, 1], no repeats, returned in ascending order. */
export function parseWeights(text: string, flag = '--weights'): number[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0) throw new MixdistillError(`${flag}: give at least one weight, e.g. 0,0.2,0.5,0.8,1`);
  const weights = items.map((s) => {
    const w = Number(s);
    if (!Number.isFinite(w) || w < 0 || w > 1) throw new MixdistillError(`${flag}: "${s}" is not a weight in [0, 1]`);
    return w;
  });
  const sorted = [...new Set(weights)].sort((a, b) => a - b);
  if (sorted.length !== weights.length) throw new MixdistillError(`${flag}: ${text} repeats a weight`);
  return sorted;
}

function countRecords(file: string, skipBadLines: boolean): number {
  if (!existsSync(file)) throw new MixdistillError(`${file}: no such file`);
  return readJsonl(file, new BadLineSink(skipBadLines)).length;
}

/** Whether `trainDir` holds a finished run (train's run.json says so and final/ is complete). */
function trainingFinished(trainDir: string): boolean {
  const runJson = join(trainDir, 'run.json');
  if (!existsSync(runJson) || !existsSync(join(trainDir, 'final', 'config.json'))) return false;
  return Boolean((JSON.parse(readFileSync(runJson, 'utf8')) as { finished?: unknown }).finished);
}

function readFinalLoss(trainDir: string): { steps: number; finalLoss: number | null } {
  const file = join(trainDir, 'metrics.jsonl');
  if (!existsSync(file)) return { steps: 0, finalLoss: null };
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  const last = lines.length === 0 ? null : (JSON.parse(lines[lines.length - 1]) as { step: number; loss: number });
  return { steps: last?.step ?? 0, finalLoss: last?.loss ?? null };
}

/** Everything that decides a weight's result besides the weight (compared as JSON on reuse). */
function sweepSettings(config: SweepConfig, mixSize: number | undefined): Record<string, unknown> {
  const {
    resume: _resume,
    overwrite: _overwrite,
    ...train
  } = config.train as SweepConfig['train'] & {
    resume?: unknown;
  };
  return {
    long: resolve(config.long),
    short: resolve(config.short),
    mixBy: config.mixBy ?? null,
    mixSize: mixSize ?? null,
    train: { ...train, model: resolve(train.model) },
    evaluation: config.evaluation,
  };
}

/** The first setting (e.g. `train.lr`) in which two settings records differ. */
function firstDifference(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string {
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const [x, y] = [a[key], b[key]];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const nested = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
    return nested(x) && nested(y)
      ? firstDifference(x as Record<string, unknown>, y as Record<string, unknown>, `${prefix}${key}.`)
      : `${prefix}${key}`;
  }
  return '';
}

/** Mixes, trains and evaluates one weight, or reads its result.json back. */
async function runWeight(config: SweepConfig, weight: number, mixSize: number | undefined): Promise<WeightResult> {
  const dir = weightDir(config.out, weight);
  const resultFile = join(dir, 'result.json');
  const settings = sweepSettings(config, mixSize);
  if (existsSync(resultFile)) {
    const done = JSON.parse(readFileSync(resultFile, 'utf8')) as WeightResult;
    const changed = firstDifference(done.settings ?? {}, JSON.parse(JSON.stringify(settings)));
    if (changed !== '')
      throw new MixdistillError(
        `${resultFile} was made with another ${changed}; rerun with the same settings, pick another --out, or remove ${dir}`,
      );
    process.stderr.write(`sweep: w=${weight} finished, skipped (${resultFile})\n`);
    return done;
  }
  mkdirSync(dir, { recursive: true });
  process.stderr.write(`\n== sweep: long-CoT weight ${weight} (${dir})\n`);

  // A weight of 0 or 1 is a source with weight 0: mixRecords draws nothing from it.
  const mixFile = join(dir, 'mix.jsonl');
  const { meta } = mixFiles(
    [
      { file: config.long, weight },
      { file: config.short, weight: 1 - weight },
    ],
    { out: mixFile, seed: config.train.seed, size: mixSize, by: config.mixBy, skipBadLines: config.train.skipBadLines },
  );

  const trainDir = join(dir, 'train');
  const lora = config.train.lora !== null;
  if (!trainingFinished(trainDir)) {
    const resume = existsSync(trainDir) && listCheckpoints(trainDir).length > 0;
    await train(
      {
        ...config.train,
        data: [{ file: mixFile, weight: null }],
        // The mix is already made: train reads one unweighted file.
        mixSize: undefined,
        mixBy: undefined,
        out: trainDir,
        // An adapter alone cannot be evaluated by every evaluator: keep the merged model too.
        saveMerged: lora || config.train.saveMerged,
        resume,
        overwrite: false,
      },
      { resumeCommand: `${config.command} (finished weights are skipped, an interrupted one resumes)` },
    );
  }
  const modelDir = join(trainDir, lora ? 'final-merged' : 'final');
  const scores = await config.evaluate(modelDir, join(dir, 'eval'), weight);
  const drawn = (i: number) => meta.sources[i]?.drawn ?? 0;
  const result: WeightResult = {
    weight,
    drawn: { long: drawn(0), short: drawn(1) },
    ...readFinalLoss(trainDir),
    modelDir,
    scores,
    settings,
  };
  writeFileAtomic(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/**
 * Runs (or resumes) the sweep: every weight in turn, then the summary and Figure 6 over all of them.
 * Returns the summary and the paths it was written to.
 */
export async function runSweep(
  config: SweepConfig,
): Promise<{ summary: SweepSummary; files: { json: string; markdown: string; svg: string } }> {
  if (config.weights.length === 0) throw new MixdistillError('--weights: give at least one weight');
  for (const w of config.weights)
    if (!(w >= 0 && w <= 1)) throw new MixdistillError(`--weights: ${w} is not a weight in [0, 1]`);
  if (config.mixSize !== undefined && !(Number.isInteger(config.mixSize) && config.mixSize >= 1))
    throw new MixdistillError(`--mix-size must be a positive integer, got ${config.mixSize}`);
  // Without pairing, the default mix size would follow the weight (as many records as the sets allow);
  // fixing it to the smaller set keeps the number of examples, and so the steps, equal across weights.
  const mixSize =
    config.mixSize ??
    (config.mixBy === undefined
      ? Math.min(
          countRecords(config.long, config.train.skipBadLines),
          countRecords(config.short, config.train.skipBadLines),
        )
      : undefined);
  mkdirSync(config.out, { recursive: true });
  const results: WeightResult[] = [];
  for (const w of config.weights) results.push(await runWeight(config, w, mixSize));
  return writeSweepSummary(config.out, results, config.command);
}
