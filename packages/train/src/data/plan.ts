// Which examples go into which micro-batch, as a pure function of (seed, epoch): a resumed run rebuilds
// the same plan and continues at the saved cursor, with no data-loader state to store.
import { deriveSeed, Rng } from '@mixdistill/core';

/** How an epoch is cut into micro-batches. */
export interface PlanOptions {
  /** rows per micro-batch (`--batch-size`) */
  batchSize: number;
  /** reshuffle the examples each epoch (off with `--no-shuffle`) */
  shuffle: boolean;
  /** base seed (`--seed`) */
  seed: number;
  /** with packing: tokens per row (`--cutoff-len`); null: one example per row */
  packLen: number | null;
}

/** micro-batch -> row -> example indices. */
export type EpochPlan = number[][][];

/** The micro-batches of one epoch; the last may be smaller (no drop_last, as the HF Trainer). */
export function planEpoch(lengths: readonly number[], epoch: number, opts: PlanOptions): EpochPlan {
  const order = Array.from(lengths, (_, i) => i);
  const ordered = opts.shuffle ? new Rng(deriveSeed(opts.seed, epoch)).shuffled(order) : order;
  const rows = opts.packLen === null ? ordered.map((i) => [i]) : packRows(ordered, lengths, opts.packLen);
  const plan: EpochPlan = [];
  for (let i = 0; i < rows.length; i += opts.batchSize) plan.push(rows.slice(i, i + opts.batchSize));
  return plan;
}

/**
 * Packs examples in order into rows of at most `capacity` tokens (next-fit: an example that does not
 * fit starts a new row). An example is never split; cutoff has already made every one fit.
 */
export function packRows(order: readonly number[], lengths: readonly number[], capacity: number): number[][] {
  const rows: number[][] = [];
  let current: number[] = [];
  let used = 0;
  for (const i of order) {
    if (current.length > 0 && used + lengths[i] > capacity) {
      rows.push(current);
      current = [];
      used = 0;
    }
    current.push(i);
    used += lengths[i];
  }
  if (current.length > 0) rows.push(current);
  return rows;
}
