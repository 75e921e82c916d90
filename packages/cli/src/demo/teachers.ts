// The demo's two teachers. Both are exact (they compute, they do not sample), so a gap between
// students trained on them is a gap in learnability, not in label noise. The long teacher writes the
// habits the paper attributes to long-CoT reasoners (arXiv 2502.12143, Sec. 3): restating the problem,
// "Wait, let me double-check", verifying every step, a second route ("Alternatively") and a recap.
import { countOf, type Operation, type Problem } from './task';

/** The teacher styles of the demo. */
export type TeacherStyle = 'short' | 'long';

const SYMBOL: Record<Operation['kind'], string> = { add: '+', sub: '-', mul: '*' };
const MULTIPLIER_VERB: Record<number, string> = { 2: 'doubles', 3: 'triples' };

/** "7+3=10" */
function equation(before: number, op: Operation, after: number): string {
  return `${before}${SYMBOL[op.kind]}${op.operand}=${after}`;
}

/** The inverse step as an equation that recovers `before` from `after`: "10-3=7", "16/2=8". */
function inverseEquation(before: number, op: Operation, after: number): string {
  const inverse = op.kind === 'add' ? '-' : op.kind === 'sub' ? '+' : '/';
  return `${after}${inverse}${op.operand}=${before}`;
}

/** What a step does, in words: "gets 3 more", "loses 2", "doubles". */
function describe(op: Operation): string {
  if (op.kind === 'add') return `gets ${op.operand} more`;
  if (op.kind === 'sub') return `loses ${op.operand}`;
  return MULTIPLIER_VERB[op.operand] ?? `is multiplied by ${op.operand}`;
}

/** Values before each step: before[i] is the input of ops[i]. */
function valuesBefore(problem: Problem): number[] {
  return [problem.start, ...problem.values.slice(0, -1)];
}

/** Short CoT: one equation per line, then the boxed answer. */
export function shortSolution(problem: Problem): string {
  const before = valuesBefore(problem);
  const lines = problem.ops.map((op, i) => equation(before[i], op, problem.values[i]));
  lines.push(`\\boxed{${problem.answer}}`);
  return lines.join('\n');
}

/**
 * Long CoT: the same steps, restated, each verified, a backward second route, and a recap. Kept to
 * about 4-5x the short solution's tokens (the paper's long-CoT sets are several times longer than
 * short ones), so a long-CoT run costs a few times a short one rather than an order of magnitude.
 */
export function longSolution(problem: Problem): string {
  const before = valuesBefore(problem);
  const { name, answer } = problem;
  const lines: string[] = [];
  lines.push(`Let me restate: ${name} starts with ${countOf(problem.start, problem.item)}, then ${problem.ops.map(describe).join(', then ')}.`);
  problem.ops.forEach((op, i) => {
    const eq = equation(before[i], op, problem.values[i]);
    lines.push(`Step ${i + 1}: ${eq}. Wait, let me double-check: ${inverseEquation(before[i], op, problem.values[i])}. Yes.`);
  });
  const backwards: string[] = [];
  for (let i = problem.ops.length - 1; i >= 0; i--) {
    backwards.push(`${inverseEquation(before[i], problem.ops[i], problem.values[i])}.`);
  }
  lines.push(`Alternatively, work backwards from ${answer}: ${backwards.join(' ')} That is the start, so it agrees.`);
  lines.push(`To recap: ${[problem.start, ...problem.values].join(', ')}. The answer is ${answer}.`);
  lines.push(`\\boxed{${answer}}`);
  return lines.join('\n');
}

/** The solution of one teacher style. */
export function solve(problem: Problem, style: TeacherStyle): string {
  return style === 'short' ? shortSolution(problem) : longSolution(problem);
}
