import { tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { aggregateRankShifts, classifyToken, rankShiftMarkdown, rankShiftSvg, type RankedToken } from './rank_shift';
import { responseTokenRanks, type LogitsModel } from './token_ranks';

/** A bigram model: the logits at a position depend only on the token there (table row). */
function bigramModel(table: number[][]): LogitsModel {
  return {
    forward: (ids) => tf.gather(tf.tensor2d(table), ids), // [batch, seq, vocab]
  };
}

/** Rank of `token` in a row of logits, counted directly: 1 + entries strictly larger. */
function directRank(row: number[], token: number): number {
  return 1 + row.filter((v) => v > row[token]).length;
}

describe('responseTokenRanks', () => {
  it('ranks each response token by the logits of the position before it', () => {
    const vocab = 7;
    // Deterministic pseudo-random table with a tie (row 2 has two equal maxima).
    const table = Array.from({ length: vocab }, (_, r) =>
      Array.from({ length: vocab }, (_, c) => Math.sin(r * 7.1 + c * 3.3) * 4),
    );
    table[2][5] = table[2][1] = 10;
    const sample = { promptIds: [0, 3], responseIds: [2, 5, 1, 6, 6, 0, 4] };
    const ranks = responseTokenRanks(bigramModel(table), sample, 3); // chunk 3: crosses chunk borders
    const ids = [...sample.promptIds, ...sample.responseIds];
    const expected = sample.responseIds.map((token, i) =>
      directRank(table[ids[sample.promptIds.length - 1 + i]], token),
    );
    expect(ranks).toEqual(expected);
    // After token 2 both 5 and 1 tie for the max: both rank 1.
    expect(ranks[1]).toBe(1);
    expect(ranks[2]).toBe(directRank(table[5], 1));
  });
});

describe('aggregateRankShifts', () => {
  it('aggregates per token text and sorts by mean shift', () => {
    const occ = (text: string, baseRank: number, tunedRank = 1): RankedToken => ({ id: 0, text, baseRank, tunedRank });
    const report = aggregateRankShifts(
      [
        occ(' Wait', 40),
        occ('Wait', 20),
        occ(' But', 9),
        occ(' But', 3),
        occ('3', 2),
        occ('3', 2),
        occ(' the', 1),
        occ(' the', 1),
        occ(' x', 5),
      ],
      { top: 3, minCount: 2, minShift: 1 },
    );
    expect(report.tokens.map((t) => [t.text, t.count, t.meanBaseRank, t.medianBaseRank, t.meanShift])).toEqual([
      ['Wait', 2, 30, 30, 29],
      ['But', 2, 6, 6, 5],
      ['3', 2, 2, 2, 1],
    ]);
    expect(report.tokens.map((t) => t.category)).toEqual(['stylistic', 'stylistic', 'mathematical']);
    expect(report.shares.byType.stylistic).toBeCloseTo(2 / 3);
    // Shifted occurrences: 2×Wait, 2×But, 2×"3", x → 4 stylistic of 7.
    expect(report.shares.shiftedOccurrences).toBe(7);
    expect(report.shares.byOccurrence.stylistic).toBeCloseTo(4 / 7);
    expect(report.shares.byOccurrence.mathematical).toBeCloseTo(3 / 7);
    expect(rankShiftMarkdown(report)).toContain('| `Wait` | stylistic | 2 | 30.0 | 30.0 | 1.0 | 29.0 |');
    expect((rankShiftSvg(report).match(/<rect x=/g) ?? []).length).toBe(3 + 3); // bars + legend keys
  });

  it('classifies tokens', () => {
    expect(
      ['Alternatively', ' let', 'Hmm,', '\\frac', '12', ' =', ' triangle', ' the', '\n'].map(classifyToken),
    ).toEqual([
      'stylistic',
      'stylistic',
      'stylistic',
      'mathematical',
      'mathematical',
      'mathematical',
      'mathematical',
      'other',
      'other',
    ]);
  });
});
