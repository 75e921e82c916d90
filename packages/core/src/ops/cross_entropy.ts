// Summed token cross-entropy for causal-LM training, as torch's cross_entropy(reduction='sum',
// ignore_index=-100); the caller divides by the number of kept tokens of the whole batch.
import { tf } from '../tf';
import { FUSED_KERNELS, hasFusedKernel, runFusedKernel } from './fused';

/** Label value whose position does not count (transformers' / torch's ignore_index). */
export const IGNORE_INDEX = -100;

/**
 * Σ over positions with label ≠ -100 of logSumExp(logits) - logits[label], a float32 scalar.
 * logSumExp subtracts the row max first, so large logits do not overflow.
 * Fused kernel `MdCrossEntropySum`: inputs `{logits, labels}`.
 */
export function crossEntropySum(
  logits: tf.Tensor, // [n, vocab]
  labels: tf.Tensor, // int32 [n]
): tf.Scalar {
  if (hasFusedKernel(FUSED_KERNELS.crossEntropySum)) {
    return runFusedKernel(FUSED_KERNELS.crossEntropySum, { logits, labels }) as tf.Scalar;
  }
  return crossEntropySumUnfused(logits, labels);
}

/** The composition of tfjs ops: the path for backends without the fused kernel, and the test reference. */
export function crossEntropySumUnfused(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const [n, vocab] = logits.shape as [number, number];
  return tf.tidy(() => {
    const kept = tf.notEqual(labels, IGNORE_INDEX); // [n] bool
    const safeLabels = tf.where(kept, labels, tf.zerosLike(labels)); // [n], -100 -> 0 (masked below)
    // Picking logits[i, label_i] from the flat view is a 1-D gather, whose gradient tfjs supports.
    const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), safeLabels); // [n]
    const picked = tf.gather(tf.reshape(logits, [n * vocab]), flatIndex); // [n]
    const nll = tf.sub(tf.logSumExp(logits, -1), picked); // [n]
    return tf.sum(tf.mul(nll, tf.cast(kept, 'float32'))) as tf.Scalar;
  });
}
