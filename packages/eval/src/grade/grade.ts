// One response against one gold answer: extraction, then equivalence.
import { extractAnswer } from '../extract/extract_answer';
import { goldFromCase } from '../extract/gold';
import { answersEqual, DEFAULT_EQUIVALENCE_OPTIONS, type EquivalenceOptions } from './equivalent';

/** The grader's verdict on one response. */
export interface Verdict {
  /** The answer text found in the response (raw, before normalisation); '' when none. */
  extracted: string;
  /** Whether it equals the gold answer. */
  correct: boolean;
}

/**
 * Grades a full response against a gold answer. `benchmark` decides how the gold string is read
 * (gsm8k text after `####`, olympiadbench `$…$`); predictions are extracted the same way everywhere.
 */
export function gradeResponse(
  prediction: string,
  gold: string,
  benchmark: string,
  options: EquivalenceOptions = DEFAULT_EQUIVALENCE_OPTIONS,
): Verdict {
  const extracted = extractAnswer(prediction);
  const correct = extracted !== '' && answersEqual(extracted, goldFromCase(benchmark, gold), options);
  return { extracted, correct };
}
