// OUT/run.json: what a report needs to describe the run — model, data files with weights and hashes,
// the realised mix, hyper-parameters, and (once finished) the last metrics.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import type { TrainingData } from '../data/dataset';
import type { ScheduleConfig } from '../optim/schedule';
import { sha256File } from '../util/sha256';
import type { TrainConfig } from './config';
import type { StepMetrics } from './metrics';

export interface RunInfoInput {
  cfg: TrainConfig;
  data: TrainingData;
  totalSteps: number;
  schedule: ScheduleConfig;
  resumedFrom: string | null;
  startStep: number;
  finished?: { metrics: StepMetrics | null; finalDir: string; mergedDir: string | null };
}

export function writeRunInfo(file: string, r: RunInfoInput): void {
  const { cfg, data } = r;
  const info = {
    model: path.resolve(cfg.model),
    data: cfg.data.map((d) => ({ file: path.resolve(d.file), weight: d.weight, sha256: sha256File(d.file) })),
    mix: data.mix && {
      seed: data.mix.seed,
      by: data.mix.by,
      size: data.mix.size,
      counts: data.mix.counts,
      warnings: data.mix.warnings,
    },
    examples: data.examples.length,
    bad_lines_skipped: data.badLines.length,
    dropped_by_cutoff: data.dropped,
    truncated_by_cutoff: data.truncated,
    total_steps: r.totalSteps,
    schedule: r.schedule,
    hyperparameters: { ...cfg, model: undefined, data: undefined, out: undefined },
    resumed_from: r.resumedFrom,
    resumed_at_step: r.startStep,
    finished: r.finished ?? null,
  };
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`);
}
