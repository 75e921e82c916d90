// The problems a teacher is asked to solve: a JSONL file with a question and a gold answer per line,
// e.g. the MATH training split (`problem`, `solution`; gold = the last \boxed{} of the solution).
import { existsSync, readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';

/** Which fields of a problems file hold what. */
export interface ProblemFields {
  /** Field with the question text (default "problem"). */
  problem: string;
  /** Field with the gold final answer; when absent from a line, the gold comes from `solution`. */
  answer: string;
  /** Field with a reference solution whose last \boxed{} is the gold answer (default "solution"). */
  solution: string;
}

export const DEFAULT_PROBLEM_FIELDS: ProblemFields = { problem: 'problem', answer: 'answer', solution: 'solution' };

/** One problem to distill. */
export interface Problem {
  /** 0-based line index among the file's non-empty lines: the resume key. */
  index: number;
  /** Question text. */
  problem: string;
  /** Gold final answer (text, as the grader compares it). */
  gold: string;
}

/**
 * Reads the problems file. `lastBoxed` extracts the last \boxed{...} content of a solution (the eval
 * package's extractor, passed in so this module stays free of grading logic).
 */
export function readProblems(
  file: string,
  fields: ProblemFields,
  lastBoxed: (text: string) => string | null | undefined,
): Problem[] {
  if (!existsSync(file)) throw new MixdistillError(`${file}: problems file not found`);
  const lines = readFileSync(file, 'utf8').split('\n');
  const problems: Problem[] = [];
  lines.forEach((raw, lineNo) => {
    const line = raw.trim();
    if (!line) return;
    const where = `${file}:${lineNo + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new MixdistillError(`${where}: not valid JSON`);
    }
    const problem = row[fields.problem];
    if (typeof problem !== 'string' || !problem) throw new MixdistillError(`${where}: field "${fields.problem}" (the question) is missing or not text`);
    let gold: string | undefined;
    const answer = row[fields.answer];
    if (typeof answer === 'string' || typeof answer === 'number') gold = String(answer);
    else if (typeof row[fields.solution] === 'string') gold = lastBoxed(row[fields.solution] as string) ?? undefined;
    if (gold === undefined || gold.trim() === '') {
      throw new MixdistillError(
        `${where}: no gold answer: expected field "${fields.answer}" or a \\boxed{} in field "${fields.solution}" (set --answer-field/--solution-field)`,
      );
    }
    problems.push({ index: problems.length, problem, gold: gold.trim() });
  });
  if (problems.length === 0) throw new MixdistillError(`${file}: no problems (empty file)`);
  return problems;
}
