import { describe, expect, it } from 'vitest';
import { collate } from './batch';
import { packRows, planEpoch } from './plan';

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
    expect(planEpoch(lengths, 0, { batchSize: 3, shuffle: false, seed: 1, packLen: null })).toEqual([
      [[0], [1], [2]],
      [[3], [4], [5]],
      [[6]],
    ]);
  });

  it('shuffles deterministically per (seed, epoch)', () => {
    const opts = { batchSize: 2, shuffle: true, seed: 7, packLen: null };
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
});
