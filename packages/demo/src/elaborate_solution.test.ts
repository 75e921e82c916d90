import { describe, expect, it } from 'vitest';
import { elaborateSolution } from './elaborate_solution';
import { DEFAULT_TASK, generateProblems } from './task';
import { shortSolution } from './teachers';

describe('elaborateSolution', () => {
  const problems = generateProblems(DEFAULT_TASK, { split: 'train', count: 50, seed: 7, unique: true });

  it('explains every step with its sentence and a true equation, then boxes the answer', () => {
    for (const p of problems) {
      const lines = elaborateSolution(p).split('\n');
      expect(lines).toHaveLength(p.ops.length + 2);
      expect(lines[0]).toBe(`${p.name} starts with ${p.start} ${p.start === 1 ? p.item[0] : p.item[1]}.`);
      // The short solution's equations, in order, each inside its explained step.
      const equations = shortSolution(p).split('\n').slice(0, -1);
      equations.forEach((eq, i) => {
        expect(lines[i + 1]).toContain(`Step ${i + 1}: ${p.sentences[i + 1]} ${eq},`);
        expect(lines[i + 1]).toMatch(new RegExp(`so ${p.name} has ${p.values[i]} \\w+\\.$`));
      });
      expect(lines.at(-1)).toBe(`\\boxed{${p.answer}}`);
    }
  });
});
