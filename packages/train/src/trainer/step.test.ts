import { crossEntropySum, tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { collate } from '../data/batch';
import { AdamW } from '../optim/adamw';
import type { ForwardModel } from './loss';
import { NonFiniteStepError, trainStep } from './step';

const VOCAB = 5;

/** A bigram model: logits of token t are row ids[t] of one [vocab, vocab] variable. */
function bigram(values: number[]): { model: ForwardModel; w: tf.Variable } {
  const w = tf.variable(tf.tensor2d(values, [VOCAB, VOCAB]), true, `bigram_${Math.random()}`);
  const model: ForwardModel = {
    forward: (ids) => {
      const [b, s] = ids.shape as [number, number];
      return tf.reshape(tf.gather(w, tf.reshape(ids, [b * s])), [b, s, VOCAB]); // [b, s, vocab]
    },
  };
  return { model, w };
}

const examples = [
  { inputIds: [0, 1, 2, 3], labels: [-100, 1, 2, 3] },
  { inputIds: [4, 2], labels: [-100, 2] },
];
const config = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

describe('trainStep', () => {
  it('reports the big-batch mean loss and the pre-clip norm over accumulated micro-batches', () => {
    const init = Array.from({ length: VOCAB * VOCAB }, (_, i) => Math.sin(i));
    const { model, w } = bigram(init);
    const micro = examples.map((e) => collate([[e]], 0, false));
    const whole = collate(
      examples.map((e) => [e]),
      0,
      false,
    );
    // The reference: one big batch, loss and gradient by hand.
    const { value, grads } = tf.variableGrads(() => {
      const logits = tf.reshape(model.forward(tf.tensor2d(whole.inputIds, whole.shape, 'int32')), [-1, VOCAB]);
      return tf.div(crossEntropySum(logits, tf.tensor1d(whole.targets, 'int32')), whole.numTargets) as tf.Scalar;
    }, [w]);
    const wantNorm = Math.sqrt(tf.sum(tf.square(grads[w.name])).dataSync()[0]);
    const wantLoss = value.dataSync()[0];
    tf.dispose([value, grads[w.name]]);
    const optimizer = new AdamW(new Map([['w', w]]), config);
    const before = tf.memory().numTensors;
    const r = trainStep(model, micro, optimizer, { lr: 0.1, maxGradNorm: 0.01 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.targets).toBe(4);
    expect(r.tokens).toBe(6);
    expect(r.loss).toBeCloseTo(wantLoss, 5);
    expect(r.gradNorm).toBeCloseTo(wantNorm, 5);
    expect(optimizer.step).toBe(1);
    optimizer.dispose();
    w.dispose();
  });

  it('refuses a non-finite step before changing anything', () => {
    const init = Array.from({ length: VOCAB * VOCAB }, (_, i) => (i === 7 ? Number.NaN : 0));
    const { model, w } = bigram(init);
    const optimizer = new AdamW(new Map([['w', w]]), config);
    const before = tf.memory().numTensors;
    const micro = [collate([[examples[0]]], 0, false)];
    expect(() => trainStep(model, micro, optimizer, { lr: 0.1, maxGradNorm: 1 })).toThrow(NonFiniteStepError);
    expect(tf.memory().numTensors).toBe(before);
    expect(optimizer.step).toBe(0);
    const after = w.dataSync();
    init.forEach((x, i) => (Number.isNaN(x) ? expect(after[i]).toBeNaN() : expect(after[i]).toBe(x)));
    optimizer.dispose();
    w.dispose();
  });
});
