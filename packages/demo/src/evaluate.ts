// Greedy evaluation of one trained student on the held-out split, through the eval package's local
// generator (batched, KV cache, the model's chat template), its answer extraction and its grader.
// Each graded problem is appended to a JSONL file at once, so an interrupted evaluation resumes.
import { appendJsonl, createLocalGenerator, gradeResponse, readJsonlTolerant } from '@mixdistill/eval';
import type { ProgressBar } from '@mixdistill/core';

/** One graded held-out problem. */
export interface DemoEvalRecord {
  id: string;
  response: string;
  extracted: string;
  gold: string;
  correct: boolean;
  /** generated tokens */
  tokens: number;
}

/** What an evaluation needs. */
export interface DemoEvalOptions {
  /** trained model folder */
  modelDir: string;
  /** held-out problems */
  test: { id: string; problem: string; answer: number }[];
  /** JSONL of graded records (appended to; existing ids are skipped) */
  recordsFile: string;
  /** longest response (tokens); a response cut off before its box scores as wrong */
  maxNewTokens: number;
  /** prompts decoded together */
  batchSize: number;
  /** progress bar to advance per graded problem */
  progress?: ProgressBar;
}

/** Accuracy of one evaluation. */
export interface DemoEvalResult {
  correct: number;
  total: number;
  /** percent, 0-100 */
  accuracy: number;
  /** mean generated tokens per response */
  meanTokens: number;
  /** '1' (correct) or '0' per held-out problem, in the test file's order (for intervals over seeds and problems) */
  perProblem: string;
}

/** Summarises graded records (only the problems of `ids`, in case the file holds more). */
export function summarise(records: DemoEvalRecord[], ids: string[]): DemoEvalResult {
  const byId = new Map(records.map((r) => [r.id, r]));
  const kept = ids.map((id) => byId.get(id)).filter((r): r is DemoEvalRecord => r !== undefined);
  const correct = kept.filter((r) => r.correct).length;
  const tokens = kept.reduce((a, r) => a + r.tokens, 0);
  return {
    correct,
    total: kept.length,
    accuracy: kept.length === 0 ? 0 : (100 * correct) / kept.length,
    meanTokens: kept.length === 0 ? 0 : tokens / kept.length,
    perProblem: kept.map((r) => (r.correct ? '1' : '0')).join(''),
  };
}

/** Generates and grades every held-out problem not yet in `recordsFile`; returns the accuracy over all. */
export async function evaluateStudent(opts: DemoEvalOptions): Promise<DemoEvalResult> {
  const done = readJsonlTolerant(opts.recordsFile) as unknown as DemoEvalRecord[];
  const doneIds = new Set(done.map((r) => r.id));
  const pending = opts.test.filter((p) => !doneIds.has(p.id));
  opts.progress?.advance(opts.test.length - pending.length);
  if (pending.length > 0) {
    const generator = await createLocalGenerator({
      modelDir: opts.modelDir,
      batchSize: opts.batchSize,
      // Greedy, as the paper's evaluation; no stop strings: the model ends its turn with <|im_end|>.
      settings: { maxNewTokens: opts.maxNewTokens, temperature: 0, topP: 1, stop: [], seed: 0 },
    });
    try {
      await generator.generate(
        pending.map((p) => ({ messages: [{ role: 'user', content: p.problem }] })),
        (index, result) => {
          const p = pending[index];
          const verdict = gradeResponse(result.text, String(p.answer), 'demo');
          const record: DemoEvalRecord = {
            id: p.id,
            response: result.text,
            extracted: verdict.extracted,
            gold: String(p.answer),
            correct: verdict.correct,
            tokens: result.tokens,
          };
          appendJsonl(opts.recordsFile, record);
          done.push(record);
          opts.progress?.advance(1);
        },
      );
    } finally {
      await generator.close();
    }
  }
  return summarise(
    done,
    opts.test.map((p) => p.id),
  );
}
