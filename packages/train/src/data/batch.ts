// Rows of examples -> one right-padded batch of flat int32 arrays, ready to become tensors.
//
// Labels are shifted here, per example (targets[t] = labels[t + 1], as transformers' causal-LM loss
// shifts them), so the last token of one packed example never learns to predict the first of the next.
import type { TokenizedExample } from './tokenize';

/** A micro-batch. All arrays are [rows * seq], row-major. */
export interface Batch {
  /** [rows, seq] */
  shape: [number, number];
  /** token ids, pad id after each row's end */
  inputIds: Int32Array;
  /** next-token targets, -100 where no loss (prompt, example ends, pads) */
  targets: Int32Array;
  /** positions restarting at 0 for each packed example; null when rows hold one example each (0..seq-1) */
  positionIds: Int32Array | null;
  /** 1, 2, … per packed example in a row, 0 on pads; null without packing (causal mask is enough) */
  segmentIds: Int32Array | null;
  /** tokens that carry a loss */
  numTargets: number;
  /** non-pad tokens (for tokens/s) */
  numTokens: number;
}

/** Collates rows (each one example, or several when packing) with right padding to the longest row. */
export function collate(rows: readonly TokenizedExample[][], padId: number, packed: boolean): Batch {
  const lens = rows.map((r) => r.reduce((a, ex) => a + ex.inputIds.length, 0));
  const seq = Math.max(...lens);
  const n = rows.length * seq;
  const inputIds = new Int32Array(n).fill(padId);
  const targets = new Int32Array(n).fill(-100);
  const positionIds = packed ? new Int32Array(n) : null;
  const segmentIds = packed ? new Int32Array(n) : null;
  let numTargets = 0;
  rows.forEach((row, r) => {
    let at = r * seq;
    row.forEach((ex, e) => {
      const len = ex.inputIds.length;
      for (let t = 0; t < len; t++) {
        inputIds[at + t] = ex.inputIds[t];
        const target = t + 1 < len ? ex.labels[t + 1] : -100;
        targets[at + t] = target;
        if (target !== -100) numTargets++;
        if (positionIds) positionIds[at + t] = t;
        if (segmentIds) segmentIds[at + t] = e + 1;
      }
      at += len;
    });
    // Pads: positions keep counting so they stay in the RoPE table's range; segment 0 isolates them.
    if (positionIds) for (let t = at; t < (r + 1) * seq; t++) positionIds[t] = t - r * seq;
  });
  return {
    shape: [rows.length, seq],
    inputIds,
    targets,
    positionIds,
    segmentIds,
    numTargets,
    numTokens: lens.reduce((a, b) => a + b, 0),
  };
}
