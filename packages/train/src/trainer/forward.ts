// The training forward pass: the model's own pieces (embed, blocks, head), with each decoder block
// optionally wrapped for activation checkpointing (`--grad-checkpointing`).
import { tf } from '@mixdistill/core';
import type { CausalLM } from '@mixdistill/models';
import type { ForwardModel } from './loss';
import { recomputeInBackward } from './recompute';

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
  return {
    forward: (inputIds, opts = {}) =>
      tf.tidy(() => {
        const [b, s] = inputIds.shape as [number, number];
        const positionIds = opts.positionIds ?? tf.tile(tf.reshape(tf.range(0, s, 1, 'int32'), [1, s]), [b, 1]);
        const ctx = model.blockContext(positionIds, opts.segmentIds ?? null);
        let hidden = model.embed(inputIds); // [b, s, hidden]
        for (let i = 0; i < model.config.numHiddenLayers; i++) {
          // cos/sin/segments are intermediates of this forward: pass them so the backward has them.
          const args = [hidden, ctx.cos, ctx.sin, ...(ctx.segmentIds ? [ctx.segmentIds] : [])];
          const layer = i;
          hidden = recomputeInBackward(
            (h, cos, sin, segmentIds) =>
              model.block(layer, h, { ...ctx, cos, sin, segmentIds: segmentIds ?? null }).hidden,
            args,
            layerTrainables(i),
          );
        }
        return model.head(hidden); // [b, s, vocab]
      }),
  };
}
