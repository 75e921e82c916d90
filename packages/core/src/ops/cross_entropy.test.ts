import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { crossEntropySum } from './cross_entropy';
import { activatableBackends, finiteDifferenceErrors, seededTensor } from './op_test_helpers';

const backends = await activatableBackends();

/** Σ over kept rows of log Σ exp(logits) - logits[label], in float64. */
function crossEntropyReference(logits: Float32Array, labels: number[], vocab: number): number {
  let total = 0;
  labels.forEach((label, row) => {
    if (label === -100) return;
    const values = Array.from(logits.subarray(row * vocab, (row + 1) * vocab));
    const max = Math.max(...values);
    const lse = max + Math.log(values.reduce((acc, v) => acc + Math.exp(v - max), 0));
    total += lse - values[label];
  });
  return total;
}

describe.each(backends)('crossEntropySum on %s', (backend) => {
  it('sums -log softmax at the label and skips -100', async () => {
    await tf.setBackend(backend);
    const labelValues = [3, -100, 0, 9, -100];
    const logits = seededTensor([5, 10], 1, 4);
    const labels = tf.tensor1d(labelValues, 'int32');
    const got = crossEntropySum(logits, labels);
    expect(got.shape).toEqual([]);
    expect(got.dataSync()[0]).toBeCloseTo(crossEntropyReference(logits.dataSync() as Float32Array, labelValues, 10), 4);
    tf.dispose([logits, labels, got]);
  });

  it('stays finite for logits far beyond exp range', async () => {
    await tf.setBackend(backend);
    const logits = tf.tensor2d([
      [1000, 0, -1000],
      [-5000, 5000, 4990],
    ]);
    const labels = tf.tensor1d([1, 2], 'int32');
    const got = crossEntropySum(logits, labels).dataSync()[0];
    // row 0: lse = 1000, so 1000; row 1: lse ≈ 5000 + log(1 + e^-10), so 10 + log(1 + e^-10)
    expect(got).toBeCloseTo(1000 + 10 + Math.log1p(Math.exp(-10)), 2);
    tf.dispose([logits, labels]);
  });

  it('has gradients that match finite differences', async () => {
    await tf.setBackend(backend);
    const logits = seededTensor([4, 6], 2, 3);
    const labels = tf.tensor1d([5, -100, 0, 2], 'int32');
    const [error] = finiteDifferenceErrors((l) => crossEntropySum(l, labels), [logits], [0]);
    expect(error).toBeLessThan(2e-3);
    tf.dispose([logits, labels]);
  });
});
