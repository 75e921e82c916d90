import { describe, expect, it } from 'vitest';
import { collate } from './batch';
import { groupByLength, LENGTH_GROUP_BATCHES, packRows, planEpoch } from './plan';

describe('collate', () => {
  it('shifts labels per example, right-pads with -100 targets', () => {
    const b = collate(
      [[{ inputIds: [1, 2, 3], labels: [-100, 2, 3] }], [{ inputIds: [4, 5], labels: [4, 5] }]],
      0,
      false,
    );
    expect(b.shape).toEqual([2, 3]);
    expect(Array.from(b.inputIds)).toEqual([1, 2, 3, 4, 5, 0]);
    expect(Array.from(b.targets)).toEqual([2, 3, -100, 5, -100, -100]);
    expect(b.numTargets).toBe(3);
    expect(b.numTokens).toBe(5);
    expect(b.positionIds).toBeNull();
  });

  it('packs with positions restarting and one segment per example, never learning across the seam', () => {
    const b = collate(
      [
        [
          { inputIds: [1, 2], labels: [1, 2] },
          { inputIds: [3, 4, 5], labels: [3, 4, 5] },
        ],
      ],
      9,
      true,
    );
    expect(Array.from(b.inputIds)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(b.targets)).toEqual([2, -100, 4, 5, -100]);
    expect(Array.from(b.positionIds!)).toEqual([0, 1, 0, 1, 2]);
    expect(Array.from(b.segmentIds!)).toEqual([1, 1, 2, 2, 2]);
  });
});

describe('planEpoch', () => {
  const lengths = [5, 3, 4, 2, 6, 1, 3];

  it('keeps file order without shuffling and leaves a smaller last batch', () => {
    expect(
      planEpoch(lengths, 0, { batchSize: 3, shuffle: false, seed: 1, packLen: null, groupByLength: false }),
    ).toEqual([[[0], [1], [2]], [[3], [4], [5]], [[6]]]);
  });

  it('shuffles deterministically per (seed, epoch)', () => {
    const opts = { batchSize: 2, shuffle: true, seed: 7, packLen: null, groupByLength: false };
    const e0 = planEpoch(lengths, 0, opts).flat(2);
    expect(planEpoch(lengths, 0, opts).flat(2)).toEqual(e0);
    expect([...e0].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(planEpoch(lengths, 1, opts).flat(2)).not.toEqual(e0);
    expect(planEpoch(lengths, 0, { ...opts, seed: 8 }).flat(2)).not.toEqual(e0);
  });

  it('packs whole examples into rows of at most the capacity', () => {
    const rows = packRows([0, 1, 2, 3, 4, 5, 6], lengths, 8);
    expect(rows).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
    for (const r of rows) expect(r.reduce((a, i) => a + lengths[i], 0)).toBeLessThanOrEqual(8);
  });

  it('groups rows by length as the HF Trainer: sorted groups of 50 batches, the longest group first', () => {
    // 2 batches of 3 per group would need 300 rows; use a long list so there are two groups.
    const n = 2 * LENGTH_GROUP_BATCHES * 3 + 7;
    const many = Array.from({ length: n }, (_, i) => ((i * 37) % 101) + (i >= LENGTH_GROUP_BATCHES * 3 ? 200 : 0));
    const rows = many.map((_, i) => [i]);
    const grouped = groupByLength(rows, many, 3);
    expect(grouped.flat().sort((a, b) => a - b)).toEqual(rows.flat());
    const len = (r: number[]) => many[r[0]];
    // The second group of the input holds the longest row, so it comes first, sorted longest first.
    const size = LENGTH_GROUP_BATCHES * 3;
    const first = grouped.slice(0, size);
    expect(first.every((r) => r[0] >= size && r[0] < 2 * size)).toBe(true);
    for (let i = 1; i < first.length; i++) expect(len(first[i - 1])).toBeGreaterThanOrEqual(len(first[i]));
    // Through planEpoch, a mix of long and short examples gives batches of one kind each.
    const mixed = Array.from({ length: 60 }, (_, i) => (i % 5 === 0 ? 300 : 70));
    const plan = planEpoch(mixed, 0, { batchSize: 4, shuffle: true, seed: 1, packLen: null, groupByLength: true });
    const kinds = plan.map((b) => new Set(b.map((r) => mixed[r[0]])).size);
    expect(kinds.filter((k) => k > 1).length).toBeLessThanOrEqual(1);
  });
});
