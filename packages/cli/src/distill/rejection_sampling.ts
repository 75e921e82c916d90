// Rejection sampling as the paper's long-CoT data set was built (arXiv 2502.12143 §3: the teacher's
// responses are kept only when their final answer matches the gold): up to K samples per problem, keep
// the first correct one (or every correct one), problems run a bounded number at a time.
import type { DistillOutput, DistilledRow } from './distill_output';
import type { Problem } from './problems';

/** One teacher sample. */
export interface TeacherResponse {
  /** The full response text. */
  text: string;
  /** Its length in tokens as the teacher counted it, null when unknown. */
  tokens: number | null;
}

/** Anything that answers a problem: an OpenAI-compatible endpoint or a local checkpoint. */
export interface DistillTeacher {
  /** Name recorded in the `teacher` field of every row. */
  name: string;
  /** Draws one sample for the problem; `attempt` is 1-based (a seed source for local sampling). */
  sample(problem: Problem, attempt: number): Promise<TeacherResponse>;
}

/** True when the response's final answer is equivalent to the gold answer (the eval grader). */
export type AnswerGrader = (response: string, gold: string) => boolean;

export interface RejectionSamplingConfig {
  /** Most samples drawn per problem (K). */
  attempts: number;
  /** "first-correct": stop at the first accepted sample; "all": draw K and keep every accepted one. */
  keep: 'first-correct' | 'all';
  /** Problems in flight at once. */
  concurrency: number;
}

/** Called after each finished problem (for progress lines). */
export type ProgressListener = (finished: number, total: number, kept: number) => void;

/**
 * Distills every problem not yet done in `output`. Teacher errors (after the teacher's own retries)
 * stop new problems from starting; problems in flight finish, then the first error is rethrown, so a
 * rerun resumes from the problems left.
 */
export async function distillProblems(
  problems: readonly Problem[],
  teacher: DistillTeacher,
  grade: AnswerGrader,
  output: DistillOutput,
  config: RejectionSamplingConfig,
  onProgress?: ProgressListener,
): Promise<void> {
  const todo = problems.filter((p) => !output.done.has(p.index));
  let next = 0;
  let finished = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < todo.length) {
      const problem = todo[next++];
      try {
        const { rows, attempts, sampleTokens } = await sampleProblem(problem, teacher, grade, config);
        output.finish(rows, { index: problem.index, attempts, accepted: rows.length, sample_tokens: sampleTokens });
        finished += 1;
        onProgress?.(finished, todo.length, rows.length);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(config.concurrency, todo.length)) }, worker));
  if (failure !== undefined) throw failure;
}

async function sampleProblem(
  problem: Problem,
  teacher: DistillTeacher,
  grade: AnswerGrader,
  config: RejectionSamplingConfig,
): Promise<{ rows: DistilledRow[]; attempts: number; sampleTokens: (number | null)[] }> {
  const accepted: { response: TeacherResponse; attempt: number }[] = [];
  const sampleTokens: (number | null)[] = [];
  let attempts = 0;
  while (attempts < config.attempts) {
    attempts += 1;
    const response = await teacher.sample(problem, attempts);
    sampleTokens.push(response.tokens);
    if (grade(response.text, problem.gold)) {
      accepted.push({ response, attempt: attempts });
      if (config.keep === 'first-correct') break;
    }
  }
  const rows = accepted.map(({ response, attempt }) => ({
    problem: problem.problem,
    solution: response.text,
    teacher: teacher.name,
    attempts,
    attempt,
    response_tokens: response.tokens,
    answer: problem.gold,
    index: problem.index,
  }));
  return { rows, attempts, sampleTokens };
}
