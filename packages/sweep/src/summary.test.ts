// The sweep's summary from weights' results alone (no training): points with Wilson intervals, the
// average's normal interval, the best weight (ties: the smaller), and the figure's lines.
import { describe, expect, it } from 'vitest';
import { figure6Svg, summarise, summaryMarkdown } from './summary';
import type { WeightResult } from './sweep';

function result(weight: number, gsm8k: number, math: number): WeightResult {
  return {
    weight,
    drawn: { long: Math.round(weight * 10), short: 10 - Math.round(weight * 10) },
    steps: 4,
    finalLoss: 1.5,
    modelDir: `/w${weight}/train/final`,
    scores: { gsm8k: { correct: gsm8k, total: 50 }, math: { correct: math, total: 40 } },
    settings: {},
  };
}

describe('sweep summary', () => {
  const summary = summarise([result(1, 20, 10), result(0, 25, 10), result(0.2, 30, 20), result(0.5, 30, 12)], 'cmd');

  it('orders weights, adds the average, and picks the best weight (ties: the smaller)', () => {
    expect(summary.weights).toEqual([0, 0.2, 0.5, 1]);
    expect(summary.sets).toEqual(['gsm8k', 'math', 'average']);
    expect(summary.best.gsm8k.weight).toBe(0.2);
    expect(summary.best.math.weight).toBe(0.2);
    expect(summary.best.average.weight).toBe(0.2);
    expect(summary.best.average.accuracy).toBeCloseTo((60 + 50) / 2, 9);
    // 30/50 at 0.2 and 0.5: tied, so not separated; math 20/40 vs 10-12/40 overlaps too at n = 40.
    expect(summary.best.gsm8k.separated).toBe(false);
    const clear = summarise([result(0, 5, 2), result(0.2, 45, 38)], 'cmd');
    expect(clear.best.gsm8k).toMatchObject({ weight: 0.2, separated: true });
  });

  it('puts each accuracy inside its 95% interval, Wilson per set', () => {
    const p = summary.points.gsm8k[1];
    expect(p).toMatchObject({ weight: 0.2, accuracy: 60, correct: 30, total: 50 });
    // Wilson 95% for 30/50: [46.2, 72.4] (percent).
    expect(p.low).toBeCloseTo(46.18, 1);
    expect(p.high).toBeCloseTo(72.39, 1);
    for (const pts of Object.values(summary.points))
      for (const q of pts) expect(q.low <= q.accuracy && q.accuracy <= q.high).toBe(true);
    expect(summary.intervals).toMatch(/Wilson/);
  });

  it('writes a table and a figure with one line per set', () => {
    const md = summaryMarkdown(summary);
    expect(md).toContain('| long-CoT weight | gsm8k | math | average |');
    expect(md).toContain('| 0.2 | 60.0 [46.2, 72.4] |');
    expect(md).toContain('Reproduce: `cmd`');
    const svg = figure6Svg(summary);
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('stroke-dasharray="4 3"');
  });
});
