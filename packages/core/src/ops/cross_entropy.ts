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

/**
 * The composition of tfjs ops: the path for backends without the fused kernel, and the test reference.
 * Its gradient is written out, dL/dlogits = kept · (softmax(logits) - onehot(label)), so backward
 * keeps only the logits and the row logSumExp instead of every [n, vocab] intermediate of autodiff.
 */
export function crossEntropySumUnfused(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const [n, vocab] = logits.shape as [number, number];
  // customGrad passes the inputs and then the save function as one variadic list.
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const kept = tf.cast(tf.notEqual(labels, IGNORE_INDEX), 'float32'); // [n] 1 or 0
    const safeLabels = tf.where(tf.notEqual(labels, IGNORE_INDEX), labels, tf.zerosLike(labels)); // [n], -100 -> 0
    const lse = tf.logSumExp(x, -1); // [n]
    // Picking logits[i, label_i] from the flat view is a 1-D gather.
    const flatIndex = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(vocab, 'int32')), safeLabels); // [n]
    const picked = tf.gather(tf.reshape(x, [n * vocab]), flatIndex); // [n]
    save([x, lse, kept, safeLabels]);
    return {
      value: tf.sum(tf.mul(tf.sub(lse, picked), kept)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedLogits, savedLse, savedKept, savedLabels] = saved;
        const softmax = tf.exp(tf.sub(savedLogits, tf.expandDims(savedLse, 1))); // [n, vocab]
        const weight = tf.expandDims(tf.mul(savedKept, dy), 1); // [n, 1]
        return tf.mul(tf.sub(softmax, tf.oneHot(savedLabels, vocab)), weight);
      },
    };
  })(logits) as tf.Scalar;
}
