// The whole run as a list of optimizer steps, each naming its micro-batches: a pure function of the
// data lengths and the config, so `--resume` rebuilds it and continues at the saved step.
import { MixdistillError } from '@mixdistill/core';
import { planEpoch, type EpochPlan } from '../data/plan';

/** One optimizer step: its epoch and its micro-batches (rows of example indices). */
export interface PlannedStep {
  epoch: number;
  microBatches: EpochPlan;
}

/** What decides the plan. */
export interface StepPlanOptions {
  batchSize: number;
  gradAccum: number;
  shuffle: boolean;
  /** batch rows of similar length (HF Trainer `group_by_length`) */
  groupByLength: boolean;
  seed: number;
  /** rows of this many tokens when packing, else null */
  packLen: number | null;
  /** epochs (may be fractional: the total is rounded up, as the HF Trainer does) */
  epochs: number;
  /** fixed number of steps; epochs repeat as needed */
  maxSteps: number | null;
}

/**
 * Steps per epoch = ceil(micro-batches / gradAccum): the last step of an epoch may hold fewer
 * micro-batches (the HF Trainer also steps at the end of an epoch).
 */
export function planSteps(lengths: readonly number[], opts: StepPlanOptions): PlannedStep[] {
  if (!(opts.batchSize >= 1) || !(opts.gradAccum >= 1))
    throw new MixdistillError('--batch-size and --grad-accum must be at least 1');
  const epochSteps = (epoch: number): PlannedStep[] => {
    const micro = planEpoch(lengths, epoch, opts);
    const steps: PlannedStep[] = [];
    for (let i = 0; i < micro.length; i += opts.gradAccum)
      steps.push({ epoch, microBatches: micro.slice(i, i + opts.gradAccum) });
    return steps;
  };
  const first = epochSteps(0);
  const total = opts.maxSteps ?? Math.ceil(opts.epochs * first.length);
  if (!(total >= 1)) throw new MixdistillError('the run has no optimizer step: raise --epochs or --max-steps');
  const steps = first.slice(0, total);
  for (let epoch = 1; steps.length < total; epoch++) steps.push(...epochSteps(epoch).slice(0, total - steps.length));
  return steps;
}
