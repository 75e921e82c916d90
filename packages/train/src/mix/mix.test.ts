import { describe, expect, it } from 'vitest';
import type { JsonlRecord } from '../data/jsonl';
import { apportion } from './apportion';
import { mixRecords } from './mix';
import { parseSourceSpec } from './source_spec';

function records(file: string, n: number, extra: (i: number) => Record<string, unknown> = () => ({})): JsonlRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    file,
    line: i + 1,
    value: { problem: `p${i}`, src: file, ...extra(i) },
  }));
}

describe('mixRecords', () => {
  it('draws round(weight·size) from each source, without repeats, deterministically', () => {
    const sources = [
      { file: 'long', weight: 0.2, records: records('long', 50) },
      { file: 'short', weight: 0.8, records: records('short', 50) },
    ];
    const mix = mixRecords(sources, { seed: 3, size: 40 });
    expect(mix.counts.map((c) => c.drawn)).toEqual([8, 32]);
    expect(mix.records.filter((r) => r.file === 'long')).toHaveLength(8);
    expect(new Set(mix.records.map((r) => `${r.file}:${r.line}`)).size).toBe(40);
    expect(mixRecords(sources, { seed: 3, size: 40 }).records).toEqual(mix.records);
    expect(mixRecords(sources, { seed: 4, size: 40 }).records).not.toEqual(mix.records);
    expect(mix.warnings).toEqual([]);
  });

  it('defaults to the largest mix that repeats nothing', () => {
    const mix = mixRecords(
      [
        { file: 'a', weight: 0.2, records: records('a', 50) },
        { file: 'b', weight: 0.8, records: records('b', 50) },
      ],
      { seed: 1 },
    );
    expect(mix.size).toBe(62);
    expect(mix.counts.map((c) => c.drawn)).toEqual([12, 50]);
  });

  it('normalises weights with a warning and repeats a source asked for more than it has', () => {
    const mix = mixRecords(
      [
        { file: 'a', weight: 1, records: records('a', 3) },
        { file: 'b', weight: 3, records: records('b', 30) },
        { file: 'c', weight: 0, records: records('c', 30) },
      ],
      { seed: 1, size: 20 },
    );
    expect(mix.counts.map((c) => c.drawn)).toEqual([5, 15, 0]);
    expect(mix.counts[0].normalizedWeight).toBe(0.25);
    expect(mix.warnings[0]).toMatch(/sum to 4, not 1: normalised to 0.25, 0.75, 0/);
    expect(mix.warnings[1]).toMatch(/a: 5 draws from 3 records/);
  });

  it('--by problem gives every shared problem exactly one response, from one source', () => {
    const long = records('long', 20, (i) => ({ problem: `p${i}`, solution: `long${i}` }));
    const short = records('short', 25, (i) => ({ problem: `p${i}`, solution: `short${i}` }));
    const mix = mixRecords(
      [
        { file: 'long', weight: 0.2, records: long },
        { file: 'short', weight: 0.8, records: short },
      ],
      { seed: 5, by: 'problem' },
    );
    expect(mix.counts.map((c) => [c.available, c.drawn])).toEqual([
      [20, 4],
      [20, 16],
    ]);
    const problems = mix.records.map((r) => r.value.problem);
    expect(new Set(problems).size).toBe(20);
    for (const r of mix.records) expect(r.value.solution).toBe(`${r.file}${(r.value.problem as string).slice(1)}`);
    expect(mix.warnings).toEqual([
      expect.stringMatching(/short: 5 of 25 distinct "problem" values are not in every source/),
    ]);
    expect(
      mixRecords(
        [
          { file: 'long', weight: 0.2, records: long },
          { file: 'short', weight: 0.8, records: short },
        ],
        { seed: 5, by: 'problem', size: 10 },
      ).size,
    ).toBe(10);
    expect(() =>
      mixRecords([{ file: 'long', weight: 1, records: long }], { seed: 5, by: 'problem', size: 21 }),
    ).toThrow(/--size 21 but only 20/);
    expect(() =>
      mixRecords([{ file: 'x', weight: 1, records: [{ file: 'x', line: 4, value: {} }] }], { seed: 1, by: 'problem' }),
    ).toThrow(/x:4: --by problem/);
  });

  it('rejects all-zero weights', () => {
    expect(() => mixRecords([{ file: 'a', weight: 0, records: records('a', 2) }], { seed: 1 })).toThrow(
      /must not all be zero/,
    );
  });
});

describe('apportion and source specs', () => {
  it('apportions exactly', () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0.2, 0.8])).toEqual([1, 6]);
  });
  it('parses FILE[:weight]', () => {
    expect(parseSourceSpec('data/a.jsonl:0.2', '--data')).toEqual({ file: 'data/a.jsonl', weight: 0.2 });
    expect(parseSourceSpec('a.jsonl', '--data')).toEqual({ file: 'a.jsonl', weight: null });
    expect(() => parseSourceSpec('a.jsonl:-1', '--data')).toThrow(/non-negative/);
  });
});
