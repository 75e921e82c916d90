// Forward + backward over the micro-batches of one optimizer step, gradients summed.
import { tf } from '@mixdistill/core';
import type { Batch } from '../data/batch';
import { batchLossSum, type ForwardModel } from './loss';

/** What one optimizer step's backward passes produced. */
export interface AccumulatedGradients {
  /** d(loss)/d(param) for every trainable parameter, summed over micro-batches */
  grads: Map<string, tf.Tensor>;
  /** Σ CE / targets of the whole step: the loss a single big batch would report */
  loss: number;
  /** target tokens of the step (the loss denominator) */
  targets: number;
  /** non-pad tokens of the step */
  tokens: number;
}

/**
 * Runs every micro-batch and sums gradients. Each micro-batch's loss is its CE sum divided by the
 * target count of ALL micro-batches, so the sum equals the big-batch mean (not a mean of means).
 */
export function accumulateGradients(
  model: ForwardModel,
  microBatches: readonly Batch[],
  trainable: ReadonlyMap<string, tf.Variable>,
  /** called before each micro-batch's forward (LoRA sets its dropout seed here) */
  beforeMicroBatch: (index: number) => void = () => {},
): AccumulatedGradients {
  const targets = microBatches.reduce((a, b) => a + b.numTargets, 0);
  const tokens = microBatches.reduce((a, b) => a + b.numTokens, 0);
  const names = [...trainable.keys()];
  const vars = names.map((n) => trainable.get(n)!);
  const grads = new Map<string, tf.Tensor>();
  let loss = 0;
  for (const [index, batch] of microBatches.entries()) {
    beforeMicroBatch(index);
    const { value, grads: g } = tf.variableGrads(
      () => tf.div(batchLossSum(model, batch), Math.max(1, targets)) as tf.Scalar,
      vars,
    );
    loss += value.dataSync()[0];
    value.dispose();
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
  return { grads, loss, targets, tokens };
}
