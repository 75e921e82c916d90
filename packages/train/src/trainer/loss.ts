// The causal-LM loss of a micro-batch, as a sum (transformers' ForCausalLMLoss with
// num_items_in_batch): the caller divides by the target count of the whole accumulated batch, so
// gradient accumulation gives the same loss and gradients as one big batch.
import { crossEntropySum, tf } from '@mixdistill/core';
import type { Batch } from '../data/batch';

/** Packing inputs of a training forward. */
export interface ForwardInputs {
  positionIds?: tf.Tensor; // int32 [b, s]
  segmentIds?: tf.Tensor; // int32 [b, s]
}

/** The model as training sees it: a forward pass with optional packing inputs. */
export interface ForwardModel {
  forward(
    inputIds: tf.Tensor, // int32 [b, s]
    opts?: ForwardInputs,
  ): tf.Tensor; // logits [b, s, vocab]
  /**
   * Σ cross-entropy of forward's logits against targets int32 [b·s], when the model can compute it
   * without holding the logits (CausalLM.lossSum); otherwise the loss is taken from forward.
   */
  lossSum?(inputIds: tf.Tensor, targets: tf.Tensor, opts?: ForwardInputs): tf.Scalar;
}

/** Σ cross-entropy over the batch's targets (targets are already shifted, -100 where none). */
export function batchLossSum(model: ForwardModel, batch: Batch): tf.Scalar {
  return tf.tidy(() => {
    const [b, s] = batch.shape;
    const inputIds = tf.tensor2d(batch.inputIds, [b, s], 'int32');
    const positionIds = batch.positionIds ? tf.tensor2d(batch.positionIds, [b, s], 'int32') : undefined;
    const segmentIds = batch.segmentIds ? tf.tensor2d(batch.segmentIds, [b, s], 'int32') : undefined;
    const targets = tf.tensor1d(batch.targets, 'int32'); // [b·s]
    if (model.lossSum) return model.lossSum(inputIds, targets, { positionIds, segmentIds });
    const logits = model.forward(inputIds, { positionIds, segmentIds }); // [b, s, vocab]
    return crossEntropySum(tf.reshape(logits, [b * s, logits.shape[2]!]), targets);
  });
}
