import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastBoxed } from '@mixdistill/eval';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBLEM_FIELDS, readProblems } from './problems';

describe('readProblems', () => {
  it('takes the gold from an answer field or the last \\boxed{} of the solution, skipping empty boxes', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'problems-')), 'p.jsonl');
    const lines = [
      { problem: 'A', solution: 'first $\\boxed{1}$ then $\\boxed{\\frac{1}{2}}$' },
      { problem: 'B', solution: 'there are $\\boxed{}$ primes' },
      { problem: 'C', answer: 7, solution: 'no box' },
    ];
    writeFileSync(file, `${lines.map((l) => JSON.stringify(l)).join('\n\n')}\n`);
    const { problems, skipped } = readProblems(file, DEFAULT_PROBLEM_FIELDS, lastBoxed);
    // Indices count every problem line (skipped ones too), so resume keys stay stable.
    expect(problems).toEqual([
      { index: 0, problem: 'A', gold: '\\frac{1}{2}' },
      { index: 2, problem: 'C', gold: '7' },
    ]);
    expect(skipped).toEqual([`${file}:3`]);
  });

  it('names the line and field when the question is missing', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'problems-')), 'p.jsonl');
    writeFileSync(file, '{"question": "A", "solution": "\\\\boxed{1}"}\n');
    expect(() => readProblems(file, DEFAULT_PROBLEM_FIELDS, lastBoxed)).toThrow(
      `${file}:1: field "problem" (the question) is missing or not text`,
    );
  });

  it('names the line of a line that is not a JSON object (null used to crash with a TypeError)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'problems-')), 'p.jsonl');
    writeFileSync(file, '{"problem": "A", "answer": 1}\nnull\n');
    expect(() => readProblems(file, DEFAULT_PROBLEM_FIELDS, lastBoxed)).toThrow(
      `${file}:2: expected a JSON object per line`,
    );
  });
});
