// The large teacher's training style for the teacher-size axis (teacher_data.ts): an instruct model's
// worked solution, not a reasoner's. Each step rereads its sentence of the problem, computes it and
// says what the count is now, in words; there is no double-checking, no second route and no recap (the
// long-CoT habits of teachers.ts). It sits between the two exact teachers: at the default task, 88
// tokens on average against the short solution's 28 and the long one's 244.
import type { Operation, Problem } from './task';
import { countOf } from './task';

const SYMBOL: Record<Operation['kind'], string> = { add: '+', sub: '-', mul: '*' };

/** "Step 2: He buys 3 more. 7+3=10, so Tom has 10 apples." */
function explainedStep(problem: Problem, i: number): string {
  const before = i === 0 ? problem.start : problem.values[i - 1];
  const op = problem.ops[i];
  const after = problem.values[i];
  return (
    `Step ${i + 1}: ${problem.sentences[i + 1]} ${before}${SYMBOL[op.kind]}${op.operand}=${after},` +
    ` so ${problem.name} has ${countOf(after, problem.item)}.`
  );
}

/** The elaborate solution: the starting count, one explained step per operation (the last states the answer), its box. */
export function elaborateSolution(problem: Problem): string {
  return [
    `${problem.name} starts with ${countOf(problem.start, problem.item)}.`,
    ...problem.ops.map((_, i) => explainedStep(problem, i)),
    `\\boxed{${problem.answer}}`,
  ].join('\n');
}
