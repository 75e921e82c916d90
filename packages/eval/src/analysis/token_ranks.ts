// Rank of each generated token in a model's next-token distribution under teacher forcing: the
// measurement behind the paper's Figure 8 (arXiv 2502.12143 §3.4, "speaking style shift").
import { tf } from '@mixdistill/core';

/** What the measurement needs of a model: one forward pass to logits. */
export interface LogitsModel {
  /** inputIds int32 [batch, seq] → logits [batch, seq, vocab] (CausalLM.forward fits). */
  forward(inputIds: tf.Tensor): tf.Tensor;
}

/** One prompt + response, as token ids. */
export interface TokenizedResponse {
  promptIds: number[];
  responseIds: number[];
}

/**
 * 1-based rank of every response token in the model's distribution at its position: rank 1 is the
 * model's argmax; rank r means r−1 vocabulary entries have a strictly larger logit (ties rank in the
 * token's favour, so a token tied with the argmax has rank 1). Position t's token is scored by the
 * logits at position t−1, as in causal-LM teacher forcing (labels shifted by one).
 * `chunk` bounds the positions ranked per tensor op ([chunk, vocab] comparisons at a time).
 */
export function responseTokenRanks(model: LogitsModel, sample: TokenizedResponse, chunk = 256): number[] {
  const { promptIds, responseIds } = sample;
  if (promptIds.length === 0) throw new Error('responseTokenRanks: the prompt must hold at least one token (e.g. BOS)');
  if (responseIds.length === 0) return [];
  const ids = [...promptIds, ...responseIds];
  // The last token is never an input whose prediction we need.
  const input = ids.slice(0, ids.length - 1);
  const logits = tf.tidy(() => model.forward(tf.tensor2d(input, [1, input.length], 'int32')));
  try {
    const ranks: number[] = [];
    const first = promptIds.length - 1; // position whose logits score responseIds[0]
    for (let start = 0; start < responseIds.length; start += chunk) {
      const n = Math.min(chunk, responseIds.length - start);
      const counts = tf.tidy(() => {
        const rows = logits.slice([0, first + start, 0], [1, n, -1]).reshape([n, -1]); // [n, vocab]
        const vocab = logits.shape[2] as number;
        // Flat index of (row i, token) — a gather, not a one-hot product, so −inf logits stay exact.
        const flat = responseIds.slice(start, start + n).map((token, i) => i * vocab + token);
        const targetLogits = rows.reshape([-1]).gather(tf.tensor1d(flat, 'int32')).reshape([n, 1]); // [n, 1]
        return rows.greater(targetLogits).sum(1); // [n]
      });
      for (const c of counts.dataSync()) ranks.push(c + 1);
      counts.dispose();
    }
    return ranks;
  } finally {
    logits.dispose();
  }
}
