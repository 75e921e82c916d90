import { extractAnswer, gradeResponse } from '@mixdistill/eval';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK, generateProblems } from './task';
import { longSolution, shortSolution } from './teachers';

describe('demo teachers', () => {
  const problems = [
    ...generateProblems(DEFAULT_TASK, { split: 'train', count: 3000, seed: 11 }),
    ...generateProblems(DEFAULT_TASK, { split: 'test', count: 1000, seed: 11, unique: true }),
  ];

  it('both end in a box that the eval extractor reads as the true answer', () => {
    for (const p of problems) {
      for (const solution of [shortSolution(p), longSolution(p)]) {
        expect(solution.endsWith(`\\boxed{${p.answer}}`)).toBe(true);
        expect(extractAnswer(solution)).toBe(String(p.answer));
        expect(gradeResponse(solution, String(p.answer), 'demo').correct).toBe(true);
      }
    }
  });

  it('writes only true equations', () => {
    for (const p of problems.slice(0, 500)) {
      const text = `${shortSolution(p)}\n${longSolution(p)}`;
      for (const [, a, op, b, c] of text.matchAll(/(\d+)([-+*/])(\d+)=(\d+)/g)) {
        const [x, y, z] = [Number(a), Number(b), Number(c)];
        const value = op === '+' ? x + y : op === '-' ? x - y : op === '*' ? x * y : x / y;
        expect(value).toBe(z);
      }
    }
  });

  it('short CoT is one equation per step; long CoT restates, double-checks each step, takes a second route and recaps', () => {
    const p = problems.find((q) => q.ops.length === 3)!;
    expect(shortSolution(p).split('\n')).toHaveLength(4);
    const long = longSolution(p);
    expect(long).toMatch(/^Let me restate/);
    expect(long.match(/Wait, let me double-check/g)).toHaveLength(3);
    expect(long).toContain('Alternatively');
    expect(long).toContain('To recap');
  });

  it('long CoT is several times longer than short CoT', () => {
    const chars = (f: (q: (typeof problems)[number]) => string) => problems.reduce((a, q) => a + f(q).length, 0);
    const ratio = chars(longSolution) / chars(shortSolution);
    expect(ratio).toBeGreaterThan(3);
  });
});
