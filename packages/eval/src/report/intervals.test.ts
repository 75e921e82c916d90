import { describe, expect, it } from 'vitest';
import { seedProblemInterval, t95, Z95 } from './intervals';

describe('seedProblemInterval', () => {
  it('with one seed is the normal interval of an accuracy over the problems', () => {
    const one = [[1, 1, 1, 0, 0, 1, 0, 1, 1, 1]];
    const p = 0.7;
    const r = seedProblemInterval(one);
    expect(r.mean).toBeCloseTo(70, 10);
    expect(r.seedHalfWidth).toBe(0);
    // sample variance p(1 − p)·n/(n − 1)
    expect(r.halfWidth).toBeCloseTo(100 * Z95 * Math.sqrt((p * (1 - p) * 10) / 9 / 10), 10);
  });

  it('adds the seeds part (Student t, seeds − 1 df) and the problems part in quadrature', () => {
    // per-seed means .5, .25, .75 (variance .0625); per-problem means 1, 2/3, 1/3, 0 (variance 5/27)
    const r = seedProblemInterval([
      [1, 1, 0, 0],
      [1, 0, 0, 0],
      [1, 1, 1, 0],
    ]);
    expect(t95(2)).toBeCloseTo(4.303, 3);
    expect(r.mean).toBeCloseTo(50, 10);
    expect(r.seedHalfWidth).toBeCloseTo(100 * 4.303 * Math.sqrt(0.0625 / 3), 6);
    expect(r.problemHalfWidth).toBeCloseTo(100 * Z95 * Math.sqrt(5 / 27 / 4), 6);
    expect(r.halfWidth).toBeCloseTo(Math.hypot(r.seedHalfWidth, r.problemHalfWidth), 10);
  });

  it('takes paired differences and refuses ragged input', () => {
    const d = seedProblemInterval([
      [1, 0, -1, 1],
      [1, 1, 0, 1],
    ]);
    expect(d.mean).toBeCloseTo(50, 10);
    expect(() => seedProblemInterval([[1, 0], [1]])).toThrow(/same, non-empty list/);
    expect(() => seedProblemInterval([])).toThrow();
  });
});
