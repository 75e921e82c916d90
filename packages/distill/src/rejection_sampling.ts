// Rejection sampling as the paper's long-CoT data set was built (arXiv 2502.12143 §3: the teacher's
// responses are kept only when their final answer matches the gold): up to K samples per problem, keep
// the first correct one (or every correct one). Concurrency, time-outs and retries are the teacher's.
import type { DistillOutput, DistilledRow } from './distill_output';
import type { Problem } from './problems';

/** One teacher sample. */
export interface TeacherResponse {
  /** The full response text. */
  text: string;
  /** Its length in tokens as the teacher counted it, null when unknown. */
  tokens: number | null;
}

/** Anything that answers problems: an OpenAI-compatible endpoint or a local checkpoint. */
export interface DistillTeacher {
  /** Name recorded in the `teacher` field of every row. */
  name: string;
  /**
   * Draws one sample per problem for attempt `attempt` (1-based; each attempt samples with its own
   * seed, so a deterministic server does not repeat a rejected response). `onSample` is awaited as
   * each sample arrives, in any order.
   */
  sampleRound(
    problems: readonly Problem[],
    attempt: number,
    onSample: (problem: Problem, response: TeacherResponse) => Promise<void> | void,
  ): Promise<void>;
}

/** True when the response's final answer is equivalent to the gold answer (the eval grader). */
export type AnswerGrader = (response: string, gold: string) => boolean;

export interface RejectionSamplingConfig {
  /** Most samples drawn per problem (K). */
  attempts: number;
  /** "first-correct": stop at the first accepted sample; "all": draw K and keep every accepted one. */
  keep: 'first-correct' | 'all';
}

/** Called after each finished problem (for progress lines). */
export type ProgressListener = (finished: number, total: number, kept: number) => void;

/** What one problem has gathered so far. */
interface ProblemState {
  problem: Problem;
  accepted: { response: TeacherResponse; attempt: number }[];
  sampleTokens: (number | null)[];
}

/**
 * Distills every problem not yet done in `output`, one round of samples per attempt: round k asks
 * again only the problems still without an accepted response (first-correct) or all of them (all).
 * A problem is written as soon as it is finished — accepted, or rejected K times — so a killed run
 * resumes without asking finished problems again; unfinished ones restart at attempt 1 (with the
 * same per-attempt seeds). A teacher error (after its own retries) is rethrown after the problems
 * finished so far are on disk.
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
  const states = new Map<number, ProblemState>(
    todo.map((p) => [p.index, { problem: p, accepted: [], sampleTokens: [] }]),
  );
  let finished = 0;
  const finish = (state: ProblemState, attempts: number) => {
    const rows = toRows(state, teacher.name, attempts);
    output.finish(rows, {
      index: state.problem.index,
      attempts,
      accepted: rows.length,
      sample_tokens: state.sampleTokens,
    });
    states.delete(state.problem.index);
    onProgress?.(++finished, todo.length, rows.length);
  };
  for (let attempt = 1; attempt <= config.attempts && states.size > 0; attempt++) {
    const round = [...states.values()].map((s) => s.problem);
    await teacher.sampleRound(round, attempt, (problem, response) => {
      const state = states.get(problem.index);
      if (!state) return;
      state.sampleTokens.push(response.tokens);
      const correct = grade(response.text, problem.gold);
      if (correct) state.accepted.push({ response, attempt });
      if ((correct && config.keep === 'first-correct') || attempt === config.attempts) finish(state, attempt);
    });
  }
}

function toRows(state: ProblemState, teacher: string, attempts: number): DistilledRow[] {
  const { problem } = state;
  return state.accepted.map(({ response, attempt }) => ({
    problem: problem.problem,
    solution: response.text,
    teacher,
    attempts,
    attempt,
    response_tokens: response.tokens,
    answer: problem.gold,
    index: problem.index,
  }));
}
