// One optimiser step, the only one: the trainer, `mixdistill bench train` and benchmarks/ all call
// trainStep. Micro-batches are run forward and backward with their gradients summed; each
// micro-batch's loss is its CE sum divided by the target count of the WHOLE step, so the sum equals
// the big-batch mean (HF Trainer semantics with num_items_in_batch, not a mean of means). Then one
// host sync reads the loss and the squared global norm together, a non-finite step is refused
// before anything is applied, and AdamW applies the clipped gradients at the scheduled lr.
import { globalNormSq, MixdistillError, tf } from '@mixdistill/core';
import type { Batch } from '../data/batch';
import type { AdamW } from '../optim/adamw';
import { clipCoefficient } from '../optim/clip';
import { batchLossSum, type ForwardModel } from './loss';

/** Settings of one step. */
export interface StepOptions {
  /** learning rate of this step (the schedule's value at it) */
  lr: number;
  /** global-norm clip threshold (`--max-grad-norm`); ≤ 0 turns clipping off */
  maxGradNorm: number;
  /** called before each micro-batch's forward (LoRA sets its dropout seed here) */
  beforeMicroBatch?: (index: number) => void;
}

/** What one step did. */
export interface StepResult {
  /** Σ CE / targets of the whole step: the loss a single big batch would report */
  loss: number;
  /** global L2 norm of the gradients before clipping (what metrics.jsonl reports) */
  gradNorm: number;
  /** non-pad tokens of the step */
  tokens: number;
  /** target tokens of the step (the loss denominator) */
  targets: number;
}

/** Thrown, before the update is applied, when the loss or the gradient norm is not finite. */
export class NonFiniteStepError extends MixdistillError {
  constructor(
    readonly loss: number,
    readonly gradNorm: number,
  ) {
    super(`loss ${loss}, gradient norm ${gradNorm}: training stopped before applying it`);
  }
}

/**
 * One optimiser step of `optimizer` (over the variables it was built with) on `microBatches`:
 * forward/backward each, clip, AdamW. The parameters are unchanged when it throws.
 */
export function trainStep(
  model: ForwardModel,
  microBatches: readonly Batch[],
  optimizer: AdamW,
  opts: StepOptions,
): StepResult {
  const targets = microBatches.reduce((a, b) => a + b.numTargets, 0);
  const tokens = microBatches.reduce((a, b) => a + b.numTokens, 0);
  const { grads, lossSum } = accumulateGradients(model, microBatches, optimizer.params, targets, opts.beforeMicroBatch);
  try {
    // The one host sync of the step: loss and Σ‖g‖² in one read.
    const [loss, normSq] = tf.tidy(() => tf.stack([lossSum, globalNormSq([...grads.values()])]).dataSync());
    const gradNorm = Math.sqrt(normSq);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) throw new NonFiniteStepError(loss, gradNorm);
    optimizer.apply(grads, opts.lr, clipCoefficient(gradNorm, opts.maxGradNorm));
    return { loss, gradNorm, tokens, targets };
  } finally {
    tf.dispose([lossSum, ...grads.values()]);
  }
}

/** Gradients summed over micro-batches and the loss as a device scalar (nothing read to host). */
function accumulateGradients(
  model: ForwardModel,
  microBatches: readonly Batch[],
  trainable: ReadonlyMap<string, tf.Variable>,
  targets: number,
  beforeMicroBatch: (index: number) => void = () => {},
): { grads: Map<string, tf.Tensor>; lossSum: tf.Scalar } {
  const names = [...trainable.keys()];
  const vars = names.map((n) => trainable.get(n)!);
  const grads = new Map<string, tf.Tensor>();
  let lossSum: tf.Scalar = tf.scalar(0);
  for (const [index, batch] of microBatches.entries()) {
    beforeMicroBatch(index);
    const { value, grads: g } = tf.variableGrads(
      () => tf.div(batchLossSum(model, batch), Math.max(1, targets)) as tf.Scalar,
      vars,
    );
    const next = tf.add(lossSum, value) as tf.Scalar;
    tf.dispose([lossSum, value]);
    lossSum = next;
    names.forEach((name, i) => {
      const gi = g[vars[i].name];
      if (!gi) throw new Error(`no gradient reached ${name}`);
      const prev = grads.get(name);
      if (prev) {
        grads.set(name, tf.add(prev, gi));
        prev.dispose();
        gi.dispose();
      } else grads.set(name, gi);
    });
  }
  return { grads, lossSum };
}
