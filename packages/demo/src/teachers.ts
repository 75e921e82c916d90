// The demo's two teachers. Both are exact (they compute, they do not sample), so a gap between
// students trained on them is a gap in learnability, not in label noise. The long teacher writes the
// habits the paper attributes to long-CoT reasoners (arXiv 2502.12143, Sec. 3): restating the problem,
// "Wait, let me double-check", verifying every step, a second route ("Alternatively") and a recap.
import { hash32, type Rng } from '@mixdistill/core';
import { demoRng, type Operation, type Problem } from './task';

/** The teacher styles of the demo. */
export type TeacherStyle = 'short' | 'long';

const SYMBOL: Record<Operation['kind'], string> = { add: '+', sub: '-', mul: '*' };

/** "7+3=10" */
function equation(before: number, op: Operation, after: number): string {
  return `${before}${SYMBOL[op.kind]}${op.operand}=${after}`;
}

/** The inverse step as an equation that recovers `before` from `after`: "10-3=7", "16/2=8". */
function inverseEquation(before: number, op: Operation, after: number): string {
  const inverse = op.kind === 'add' ? '-' : op.kind === 'sub' ? '+' : '/';
  return `${after}${inverse}${op.operand}=${before}`;
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

/** "+3", "-2", "*2": a step as a signed change. */
function signedChange(op: Operation): string {
  return `${SYMBOL[op.kind]}${op.operand}`;
}

/** One true check of a step, in one of several phrasings (long-CoT verification habits). */
function verification(rng: Rng, before: number, op: Operation, after: number): string {
  const choices = [
    `Wait, let me double-check: ${inverseEquation(before, op, after)}. Yes, ${after} is right.`,
    `Wait, let me compute that again: ${equation(before, op, after)}. Yes, ${after} is right.`,
  ];
  if (op.kind === 'mul') {
    choices.push(`Wait, let me double-check by adding: ${Array(op.operand).fill(before).join('+')}=${after}. Yes.`);
  } else if (op.kind === 'add') {
    choices.push(`Wait, let me double-check in the other order: ${op.operand}+${before}=${after}. Yes.`);
  }
  return rng.pick(choices);
}

/**
 * The second route: consecutive additions and removals are combined into one net change first
 * ("+3 and -2 make +1, so 7+1=8"), multiplications are applied as they come.
 */
function groupedRoute(problem: Problem): string {
  const parts: string[] = [];
  let value = problem.start;
  let i = 0;
  while (i < problem.ops.length) {
    const op = problem.ops[i];
    if (op.kind === 'mul') {
      parts.push(`${equation(value, op, value * op.operand)}.`);
      value *= op.operand;
      i++;
      continue;
    }
    let j = i;
    let net = 0;
    while (j < problem.ops.length && problem.ops[j].kind !== 'mul') {
      net += problem.ops[j].kind === 'add' ? problem.ops[j].operand : -problem.ops[j].operand;
      j++;
    }
    const next = value + net;
    if (j - i === 1) parts.push(`${equation(value, op, next)}.`);
    else {
      const changes = problem.ops.slice(i, j).map(signedChange).join(' and ');
      const total = net >= 0 ? `+${net}` : `${net}`;
      const apply = net >= 0 ? `${value}+${net}=${next}` : `${value}-${-net}=${next}`;
      parts.push(`${changes} make ${total}, so ${apply}.`);
    }
    value = next;
    i = j;
  }
  return parts.join(' ');
}

/**
 * Long CoT: the habits the paper attributes to long-CoT teachers, every statement true: it restates
 * the problem, computes each step and double-checks it in one of several ways, sometimes rereads the
 * sentence a step came from, takes a second route that groups the changes, and recaps. The phrasing
 * varies per problem (seeded by the problem), as a sampled teacher's would; it is about 6x the short
 * solution's tokens.
 */
export function longSolution(problem: Problem): string {
  const rng = demoRng(hash32(`${problem.key}|${problem.text}`));
  const before = valuesBefore(problem);
  const { answer } = problem;
  const lines: string[] = [`Let me restate the problem: ${problem.text}`];
  problem.ops.forEach((op, i) => {
    const after = problem.values[i];
    lines.push(`Step ${i + 1}: ${equation(before[i], op, after)}.`);
    lines.push(verification(rng, before[i], op, after));
    if (rng.next() < 0.4)
      lines.push(`Hmm, let me reread that part: "${problem.sentences[i + 1]}" Yes, that is what I used.`);
  });
  lines.push(`Alternatively, I can group the changes: ${groupedRoute(problem)} This also gives ${answer}.`);
  lines.push(`To recap: ${[problem.start, ...problem.values].join(', ')}. The answer is ${answer}.`);
  lines.push(`\\boxed{${answer}}`);
  return lines.join('\n');
}

/** The solution of one teacher style. */
export function solve(problem: Problem, style: TeacherStyle): string {
  return style === 'short' ? shortSolution(problem) : longSolution(problem);
}
