// Activation checkpointing: run a function in the forward pass without keeping its intermediate
// activations, and recompute them in the backward pass (torch.utils.checkpoint's idea). The function
// must be deterministic so the recomputation is identical (dropout takes a fixed seed).
import { tf } from '@mixdistill/core';
import type { BlockRunner } from '@mixdistill/models';

/** The part of tfjs' engine state the nested backward has to put back (not in the public types). */
interface EngineTapeState {
  state: { activeTape: unknown };
}

/**
 * A CausalLM block runner that recomputes each block in backward. The block's tensor inputs (hidden
 * and the forward's RoPE angles and segments, intermediates the forward frees) are passed as
 * arguments so the backward has them; `layerTrainables(i)` are the variables layer i reads.
 */
export function checkpointedBlocks(layerTrainables: (layer: number) => tf.Variable[]): BlockRunner {
  return (layer, hidden, ctx, block) => {
    const args = [hidden, ctx.cos, ctx.sin, ...(ctx.segmentIds ? [ctx.segmentIds] : [])];
    return recomputeInBackward(
      (h, cos, sin, segmentIds) => block(h, { ...ctx, cos, sin, segmentIds: segmentIds ?? null }),
      args,
      layerTrainables(layer),
    );
  };
}

/**
 * f(...args), differentiable w.r.t. `args` and w.r.t. the `params` variables f closes over, whose
 * backward re-runs f. Every other tensor f uses must be passed in `args`: the forward pass frees its
 * intermediates, and only `args` are saved (cloned) for the backward.
 */
export function recomputeInBackward(
  f: (...args: tf.Tensor[]) => tf.Tensor,
  args: tf.Tensor[],
  params: tf.Variable[],
): tf.Tensor {
  const n = args.length;
  const wrapped = tf.customGrad((...inputs: unknown[]) => {
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    const xs = inputs.slice(0, n) as tf.Tensor[];
    save(xs);
    // tidy: the forward keeps only its output; the intermediates are freed right away.
    const value = tf.tidy(() => f(...xs));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        vjp(f, saved, params, Array.isArray(dy) ? dy[0] : dy),
    };
  });
  return wrapped(...args, ...params) as tf.Tensor;
}

/** dy-weighted gradients of f w.r.t. its arguments and the params, from a fresh forward pass. */
function vjp(
  f: (...args: tf.Tensor[]) => tf.Tensor,
  args: tf.Tensor[],
  params: tf.Variable[],
  dy: tf.Tensor,
): tf.Tensor[] {
  // A gradient computed inside a backward pass replaces and then clears the engine's active tape,
  // which the outer backward still needs for its clean-up: keep it and put it back.
  const engine = tf.engine() as unknown as EngineTapeState & ReturnType<typeof tf.engine>;
  const outerTape = engine.state.activeTape;
  const xs = [...args, ...params];
  try {
    const { value, grads } = engine.gradients(() => f(...args), xs, dy, true);
    value.dispose();
    return grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
  } finally {
    engine.state.activeTape = outerTape;
  }
}
