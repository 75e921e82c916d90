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
  /** batch rows of similar length (`--group-by-length`, the HF Trainer's `group_by_length`) */
  groupByLength: boolean;
}

/** Rows per length-sorted group with `--group-by-length`, in batches (the HF Trainer's megabatch multiplier). */
export const LENGTH_GROUP_BATCHES = 50;

/** micro-batch -> row -> example indices. */
export type EpochPlan = number[][][];

/** The micro-batches of one epoch; the last may be smaller (no drop_last, as the HF Trainer). */
export function planEpoch(lengths: readonly number[], epoch: number, opts: PlanOptions): EpochPlan {
  const order = Array.from(lengths, (_, i) => i);
  const ordered = opts.shuffle ? new Rng(deriveSeed(opts.seed, epoch)).shuffled(order) : order;
  const packed = opts.packLen === null ? ordered.map((i) => [i]) : packRows(ordered, lengths, opts.packLen);
  const rows = opts.groupByLength ? groupByLength(packed, lengths, opts.batchSize) : packed;
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

/**
 * The HF Trainer's `LengthGroupedSampler` order: the (shuffled) rows are cut into groups of
 * `LENGTH_GROUP_BATCHES` batches, each group is sorted longest first (stable), and the group holding the
 * longest row is moved to the front, so the first step meets the largest batch (an out-of-memory error
 * shows at once). Batches then hold rows of similar length: less padding, for data that mixes long
 * and short responses (Mix-Long).
 */
export function groupByLength(rows: readonly number[][], lengths: readonly number[], batchSize: number): number[][] {
  const rowLength = (row: readonly number[]) => row.reduce((a, i) => a + lengths[i], 0);
  const size = LENGTH_GROUP_BATCHES * batchSize;
  const groups: number[][][] = [];
  for (let i = 0; i < rows.length; i += size)
    groups.push(rows.slice(i, i + size).sort((a, b) => rowLength(b) - rowLength(a)));
  let longest = 0;
  groups.forEach((g, i) => {
    if (rowLength(g[0]) > rowLength(groups[longest][0])) longest = i;
  });
  return [groups[longest], ...groups.filter((_, i) => i !== longest)].flat();
}
