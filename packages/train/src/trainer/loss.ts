// The causal-LM loss of a micro-batch, as a sum (transformers' ForCausalLMLoss with
// num_items_in_batch): the caller divides by the target count of the whole accumulated batch, so
// gradient accumulation gives the same loss and gradients as one big batch.
import { crossEntropySum, tf } from '@mixdistill/core';
import type { Batch } from '../data/batch';

/** The model as training sees it: a forward pass with optional packing inputs. */
export interface ForwardModel {
  forward(
    inputIds: tf.Tensor, // int32 [b, s]
    opts?: { positionIds?: tf.Tensor; segmentIds?: tf.Tensor },
  ): tf.Tensor; // logits [b, s, vocab]
}

/** Σ cross-entropy over the batch's targets (targets are already shifted, -100 where none). */
export function batchLossSum(model: ForwardModel, batch: Batch): tf.Scalar {
  return tf.tidy(() => {
    const [b, s] = batch.shape;
    const inputIds = tf.tensor2d(batch.inputIds, [b, s], 'int32');
    const positionIds = batch.positionIds ? tf.tensor2d(batch.positionIds, [b, s], 'int32') : undefined;
    const segmentIds = batch.segmentIds ? tf.tensor2d(batch.segmentIds, [b, s], 'int32') : undefined;
    const logits = model.forward(inputIds, { positionIds, segmentIds }); // [b, s, vocab]
    const vocab = logits.shape[2]!;
    return crossEntropySum(tf.reshape(logits, [b * s, vocab]), tf.tensor1d(batch.targets, 'int32'));
  });
}
