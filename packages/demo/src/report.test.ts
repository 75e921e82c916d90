import { describe, expect, it } from 'vitest';
import type { RunResult } from './runs';
import { deltaSvg, lossSvg, table1Markdown, tableRows } from './report';
import { differenceHalfWidth, majorityAnswer, wilsonInterval } from './stats';

function run(size: string, params: number, kind: RunResult['kind'], correct: number): RunResult {
  return {
    size,
    kind,
    params,
    steps: 3,
    trainTokens: 100,
    trainSeconds: 1,
    evalSeconds: 1,
    eval: { correct, total: 200, accuracy: correct / 2, meanTokens: 10 },
    losses: [3, 2, 1],
    modelDir: '/nowhere',
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
    expect(wilsonInterval(0, 100)[0]).toBe(0);
    expect(differenceHalfWidth(50, 50, 100)).toBeCloseTo(100 * 1.959964 * Math.sqrt(0.5 / 100), 6);
    expect(majorityAnswer([3, 5, 5, 3, 7])).toBe(3);
  });

  it('builds Table 1 rows smallest first with Δ_long and which data was better', () => {
    const rows = tableRows([
      run('small', 400_000, 'short', 120),
      run('small', 400_000, 'long', 150),
      run('small', 400_000, 'mix', 130),
      run('tiny', 100_000, 'long', 40),
      run('tiny', 100_000, 'short', 100),
      run('tiny', 100_000, 'mix', 110),
    ]);
    expect(rows.map((r) => r.size)).toEqual(['tiny', 'small']);
    expect(rows[0].deltaLong!.value).toBeCloseTo(-30);
    expect(rows[0].better).toBe('Short');
    expect(rows[1].deltaLong!.value).toBeCloseTo(15);
    expect(rows[1].better).toBe('Long');
    expect(rows[0].deltaMix!.value).toBeCloseTo(5);
    const md = table1Markdown(rows);
    expect(md).toContain('| tiny (100k) | 20.0 [');
    expect(md).toContain('| -30.0 ± ');
    expect(md.split('\n')).toHaveLength(4);
    expect(deltaSvg(rows)).toMatch(/^<svg[\s\S]*<polyline[\s\S]*<\/svg>\n$/);
    expect(lossSvg([run('tiny', 100_000, 'short', 1)])).toContain('tiny short');
  });
});
