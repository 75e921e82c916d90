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

  it('writes only true equations (and true net changes)', () => {
    const fold = (expr: string) =>
      expr.match(/[-+*/]?\d+/g)!.reduce((acc, term, i) => {
        const n = Number(term.replace(/^[-+*/]/, ''));
        if (i === 0) return n;
        return term[0] === '+' ? acc + n : term[0] === '-' ? acc - n : term[0] === '*' ? acc * n : acc / n;
      }, 0);
    let checked = 0;
    for (const p of problems.slice(0, 500)) {
      const text = `${shortSolution(p)}\n${longSolution(p)}`;
      for (const [, expr, result] of text.matchAll(/(?<![\d+-])(\d+(?:[-+*/]\d+)+)=(\d+)/g)) {
        expect(fold(expr)).toBe(Number(result));
        checked++;
      }
      for (const [, changes, total] of text.matchAll(/((?:[-+]\d+ and )+[-+]\d+) make ([-+]\d+)/g)) {
        expect(changes.split(' and ').reduce((a, c) => a + Number(c), 0)).toBe(Number(total));
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('short CoT is one equation per step; long CoT restates, double-checks each step, takes a second route and recaps', () => {
    const p = problems.find((q) => q.ops.length === 3)!;
    expect(shortSolution(p).split('\n')).toHaveLength(4);
    const long = longSolution(p);
    expect(long.startsWith(`Let me restate the problem: ${p.text}\n`)).toBe(true);
    expect(long.match(/^Wait, let me /gm)).toHaveLength(3);
    expect(long).toContain('Alternatively');
    expect(long).toContain('To recap');
    // the phrasing of checks varies across problems, as a sampled teacher's would
    const checks = new Set(
      problems.slice(0, 200).flatMap((q) => longSolution(q).match(/^Wait, let me [a-z -]+/gm) ?? []),
    );
    expect(checks.size).toBeGreaterThanOrEqual(3);
    expect(longSolution(p)).toBe(long);
  });

  it('long CoT is several times longer than short CoT', () => {
    const chars = (f: (q: (typeof problems)[number]) => string) => problems.reduce((a, q) => a + f(q).length, 0);
    const ratio = chars(longSolution) / chars(shortSolution);
    expect(ratio).toBeGreaterThan(3);
  });
});
