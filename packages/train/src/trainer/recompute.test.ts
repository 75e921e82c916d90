import { tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { recomputeInBackward } from './recompute';

describe('recomputeInBackward', () => {
  it('gives the same value and gradients (inputs and closed-over variables) as the plain function', () => {
    const w1 = tf.variable(
      tf.tensor2d([
        [0.5, -1],
        [2, 0.25],
      ]),
      true,
      'rc_w1',
    );
    const w2 = tf.variable(
      tf.tensor2d([
        [1, 0.5],
        [-0.3, 0.7],
      ]),
      true,
      'rc_w2',
    );
    const x = tf.tensor2d([
      [1, 2],
      [3, -1],
    ]);
    // `bias` is an intermediate of the forward pass, passed as an argument so the backward has it.
    const block = (h: tf.Tensor, bias: tf.Tensor) => tf.tanh(tf.add(tf.matMul(tf.sigmoid(tf.matMul(h, w1)), w2), bias));
    const loss = (checkpointed: boolean) => () => {
      let h: tf.Tensor = x;
      const bias = tf.mul(x, 0.1);
      for (let layer = 0; layer < 3; layer++) {
        const input = h;
        h = checkpointed ? recomputeInBackward(block, [input, bias], [w1, w2]) : block(input, bias);
      }
      return tf.sum(
        tf.mul(
          h,
          tf.tensor2d([
            [1, -2],
            [0.5, 3],
          ]),
        ),
      ) as tf.Scalar;
    };
    const plain = tf.variableGrads(loss(false), [w1, w2]);
    const rc = tf.variableGrads(loss(true), [w1, w2]);
    expect(rc.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0], 6);
    for (const name of ['rc_w1', 'rc_w2']) {
      const a = plain.grads[name].dataSync();
      const b = rc.grads[name].dataSync();
      for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
    }
  });
});
