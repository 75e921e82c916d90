// The problems a teacher is asked to solve: a JSONL file with a question and a gold answer per line,
// e.g. the MATH training split (`problem`, `solution`; gold = the last \boxed{} of the solution).
import { existsSync, readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';
import { parseJsonl } from '@mixdistill/eval';

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

/** The problems of a file, and the lines left out because they have no gold answer to grade against. */
export interface ProblemSet {
  problems: Problem[];
  /** `file:line` of each problem without a gold answer (MATH's train split has one empty \boxed{}). */
  skipped: string[];
}

/**
 * Reads the problems file. `lastBoxed` extracts the last \boxed{...} content of a solution (the eval
 * package's extractor, passed in so this module stays free of grading logic).
 */
export function readProblems(
  file: string,
  fields: ProblemFields,
  lastBoxed: (text: string) => string | null | undefined,
): ProblemSet {
  if (!existsSync(file)) throw new MixdistillError(`${file}: problems file not found`);
  const problems: Problem[] = [];
  const skipped: string[] = [];
  let index = 0;
  for (const { line, value: row } of parseJsonl(readFileSync(file, 'utf8'), file)) {
    const where = `${file}:${line}`;
    const problem = row[fields.problem];
    if (typeof problem !== 'string' || !problem)
      throw new MixdistillError(`${where}: field "${fields.problem}" (the question) is missing or not text`);
    if (!(fields.answer in row) && !(fields.solution in row)) {
      throw new MixdistillError(
        `${where}: no field "${fields.answer}" or "${fields.solution}" for the gold answer (set --answer-field/--solution-field)`,
      );
    }
    let gold: string | undefined;
    const answer = row[fields.answer];
    if (typeof answer === 'string' || typeof answer === 'number') gold = String(answer);
    else if (typeof row[fields.solution] === 'string') gold = lastBoxed(row[fields.solution] as string) ?? undefined;
    // The index counts every problem line, kept or not, so it stays a stable resume key.
    const thisIndex = index++;
    if (gold === undefined || gold.trim() === '') skipped.push(where);
    else problems.push({ index: thisIndex, problem, gold: gold.trim() });
  }
  if (problems.length === 0) throw new MixdistillError(`${file}: no problems with a gold answer`);
  return { problems, skipped };
}
