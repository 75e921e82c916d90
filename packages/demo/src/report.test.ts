import { describe, expect, it } from 'vitest';
import type { RunResult } from './runs';
import { deltaSvg, lossSvg, sizeTrend, table1Markdown, tableMarkdown, tableRows, TEACHER_AXIS } from './report';
import { majorityAnswer, wilsonInterval } from './stats';

/** A run whose first `correct` of 200 problems are right. */
function run(size: string, params: number, kind: string, correct: number, seed = 1): RunResult {
  return {
    size,
    kind,
    seed,
    params,
    steps: 3,
    trainTokens: 100,
    trainSeconds: 1,
    evalSeconds: 1,
    eval: {
      correct,
      total: 200,
      accuracy: correct / 2,
      meanTokens: 10,
      perProblem: '1'.repeat(correct) + '0'.repeat(200 - correct),
    },
    losses: [3, 2, 1],
    modelDir: '/nowhere',
    kernels: 'avx2',
    threads: 1,
  };
}

describe('demo report', () => {
  it('Wilson intervals match published values', () => {
    // Newcombe (1998), Table I: 81/263 -> 0.2553..0.3662; 15/148 -> 0.0624..0.1605
    const [a, b] = wilsonInterval(81, 263);
    expect(a).toBeCloseTo(25.53, 1);
    expect(b).toBeCloseTo(36.62, 1);
    const [c, d] = wilsonInterval(15, 148);
    expect(c).toBeCloseTo(6.24, 1);
    expect(d).toBeCloseTo(16.05, 1);
    expect(majorityAnswer([3, 5, 5, 3, 7])).toBe(3);
  });

  it('builds rows smallest first: means over seeds, paired differences, and a side only when its interval excludes 0', () => {
    const seeds = [1, 2, 3];
    const rows = tableRows([
      // small: long beats short by 15 points on every seed (identical problems solved, nested)
      ...seeds.flatMap((s) => [
        run('small', 400_000, 'short', 120 + s, s),
        run('small', 400_000, 'long', 150 + s, s),
        run('small', 400_000, 'mix', 130, s),
      ]),
      // tiny: long ahead on one seed, behind on the others: no clear difference
      run('tiny', 100_000, 'long', 160, 1),
      run('tiny', 100_000, 'long', 60, 2),
      run('tiny', 100_000, 'long', 100, 3),
      ...seeds.map((s) => run('tiny', 100_000, 'short', 100, s)),
      ...seeds.map((s) => run('tiny', 100_000, 'mix', 110, s)),
    ]);
    expect(rows.map((r) => r.size)).toEqual(['tiny', 'small']);
    expect(rows[1].accuracy.long!.mean).toBeCloseTo(76, 10);
    expect(rows[1].accuracy.long!.perSeed).toEqual([75.5, 76, 76.5]);
    expect(rows[1].delta!.value).toBeCloseTo(15, 10);
    expect(rows[1].better).toBe('Long');
    expect(rows[0].delta!.value).toBeCloseTo(10 / 3, 10);
    expect(rows[0].better).toBe('no clear difference');
    expect(rows[0].deltaMix!.value).toBeCloseTo(5, 10);
    const md = table1Markdown(rows);
    expect(md).toContain('| tiny (100k) | 53.3 ± ');
    expect(md).toContain('| no clear difference |');
    expect(md.split('\n')).toHaveLength(4);
    expect(sizeTrend(rows)).toMatch(
      /^Δ_long against student size \(smallest first\): tiny \+3\.3 ± [\d.]+, small \+15\.0 ± [\d.]+; it does not change sign: positive \(Long better\) for small, the other sizes within noise\.$/,
    );
    expect(deltaSvg(rows)).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(lossSvg([run('tiny', 100_000, 'short', 1)])).toContain('tiny short');
  });

  it('says when Δ changes sign with size, and builds the teacher table from teacher kinds only', () => {
    const rows = tableRows(
      [
        ...[1, 2].flatMap((s) => [
          run('micro', 30_000, 'large-teacher', 40, s),
          run('micro', 30_000, 'small-teacher', 90, s),
          run('tiny', 100_000, 'large-teacher', 150, s),
          run('tiny', 100_000, 'small-teacher', 100, s),
        ]),
        run('tiny', 100_000, 'long', 10),
      ],
      TEACHER_AXIS,
    );
    expect(rows.map((r) => r.better)).toEqual(['Small', 'Large']);
    expect(sizeTrend(rows, TEACHER_AXIS)).toMatch(
      /it changes sign: negative \(Small better\) for micro, positive \(Large better\) for tiny\.$/,
    );
    expect(tableMarkdown(rows, TEACHER_AXIS)).toContain(
      '| Student | P_large | P_small | P_mix (Mix-Large) | Δ_large = P_large − P_small |',
    );
  });
});
