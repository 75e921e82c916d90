// The training forward pass: `CausalLM` itself (forward, lossSum), with each decoder block run through
// `checkpointedBlocks` when `--grad-checkpointing` is on.
import type { tf } from '@mixdistill/core';
import type { CausalLM } from '@mixdistill/models';
import type { ForwardModel } from './loss';
import { checkpointedBlocks } from './recompute';

/**
 * A ForwardModel over `model`. With checkpointing, only each block's input is kept; the block is
 * recomputed in backward, differentiating w.r.t. its hidden input and `layerTrainables(i)` (the
 * trainable variables layer i reads: its weights in a full fine-tune, its adapters with LoRA).
 */
export function trainingForward(
  model: CausalLM,
  checkpoint: boolean,
  layerTrainables: (layer: number) => tf.Variable[],
): ForwardModel {
  if (!checkpoint) return model;
  const blockRunner = checkpointedBlocks(layerTrainables);
  return {
    forward: (inputIds, opts = {}) => model.forward(inputIds, { ...opts, blockRunner }),
    lossSum: (inputIds, targets, opts = {}) => model.lossSum(inputIds, targets, { ...opts, blockRunner }),
  };
}
