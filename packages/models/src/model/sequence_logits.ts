// The float32 logits at every position of token sequences (`mixdistill logits`), to check parity with
// another implementation (e.g. transformers) from outside.
import { tf } from '@mixdistill/core';
import type { CausalLM } from './causal_lm';

/** `[sequence][position][vocab]` logits; one forward per sequence, as sequences may differ in length and need no padding. */
export function sequenceLogits(model: CausalLM, sequences: readonly number[][]): number[][][] {
  return sequences.map((ids) =>
    tf.tidy(
      () =>
        model
          .forward(tf.tensor2d([ids], [1, ids.length], 'int32'))
          .squeeze([0])
          .arraySync() as number[][],
    ),
  );
}
