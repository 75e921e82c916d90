// Learning-rate schedules as pure functions of the optimizer step, as transformers' optimization.py
// defines them (LambdaLR multipliers). Step k (0-based) is the k-th optimizer step, so with warm-up the
// first step runs at lr 0 — exactly what the HF Trainer does and what the golden runs record.

export type SchedulerName = 'cosine' | 'linear' | 'constant';
export const SCHEDULER_NAMES: readonly SchedulerName[] = ['cosine', 'linear', 'constant'];

/** A schedule's shape. */
export interface ScheduleConfig {
  name: SchedulerName;
  /** peak learning rate (`--lr`) */
  lr: number;
  /** linear warm-up steps from 0 to lr */
  warmupSteps: number;
  /** total optimizer steps of the run (cosine/linear reach their end here) */
  totalSteps: number;
}

/** Learning rate used by optimizer step `step` (0-based). */
export function learningRate(cfg: ScheduleConfig, step: number): number {
  return cfg.lr * multiplier(cfg, step);
}

function multiplier({ name, warmupSteps, totalSteps }: ScheduleConfig, step: number): number {
  if (step < warmupSteps) return step / Math.max(1, warmupSteps);
  const afterWarmup = Math.max(1, totalSteps - warmupSteps);
  switch (name) {
    case 'constant':
      // get_constant_schedule_with_warmup (get_constant_schedule when warm-up is 0)
      return 1;
    case 'linear':
      // get_linear_schedule_with_warmup
      return Math.max(0, (totalSteps - step) / afterWarmup);
    case 'cosine': {
      // get_cosine_schedule_with_warmup, num_cycles 0.5: half a cosine from 1 to 0
      const progress = (step - warmupSteps) / afterWarmup;
      return Math.max(0, 0.5 * (1 + Math.cos(Math.PI * 0.5 * 2 * progress)));
    }
  }
}

/** Warm-up steps from `--warmup-ratio`, rounded up as TrainingArguments.get_warmup_steps does. */
export function warmupStepsFromRatio(ratio: number, totalSteps: number): number {
  return Math.ceil(totalSteps * ratio);
}
