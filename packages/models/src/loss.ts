// The Hugging Face causal-LM loss (transformers' ForCausalLMLoss): position t predicts token t+1,
// labels of -100 are ignored, and the mean is over the kept positions of the whole batch.
import { crossEntropySum, IGNORE_INDEX, tf } from '@mixdistill/core';

/**
 * Σ cross-entropy of logits[:, t] against labels[:, t + 1] over kept labels; divide by
 * countPredictedTokens of the (accumulated) batch for the mean.
 */
export function causalLmLossSum(
  logits: tf.Tensor, // [b, s, vocab]
  labels: tf.Tensor, // int32 [b, s]
): tf.Scalar {
  const [b, s, vocab] = logits.shape as [number, number, number];
  return tf.tidy(() => {
    // Shifting the labels left (and ignoring the last position) leaves the large logits unsliced.
    const shifted = tf.concat([tf.slice(labels, [0, 1], [b, s - 1]), tf.fill([b, 1], IGNORE_INDEX, 'int32')], 1);
    return crossEntropySum(tf.reshape(logits, [b * s, vocab]), tf.reshape(shifted, [b * s]));
  });
}

/** Labels that some position predicts: those ≠ -100 after the first column. */
export function countPredictedTokens(labels: tf.Tensor): number {
  const [b, s] = labels.shape as [number, number];
  return tf.tidy(
    () => tf.sum(tf.cast(tf.notEqual(tf.slice(labels, [0, 1], [b, s - 1]), IGNORE_INDEX), 'int32')).dataSync()[0],
  );
}
