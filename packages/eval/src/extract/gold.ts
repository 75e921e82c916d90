// The gold answer of each benchmark, read as the paper's harness reads it (see
// ../shared/data/PROVENANCE.md): gsm8k after `####`, MATH the last `\boxed{}` of the solution,
// amc23 a float, olympiadbench `final_answer[0]` (often in `$…$`).
import { MixdistillError } from '@mixdistill/core';
import type { BenchmarkName } from '../benchmarks/names';
import { lastBoxed } from './extract_answer';

/** GSM8K stores the rationale then `#### <answer>`. */
export function gsm8kGold(answerField: string): string {
  const at = answerField.lastIndexOf('####');
  return (at < 0 ? answerField : answerField.slice(at + 4)).trim();
}

/** OlympiadBench answers are often wrapped in `$…$`. */
export function stripDollarWrap(answer: string): string {
  const s = answer.trim();
  return s.length >= 2 && s.startsWith('$') && s.endsWith('$') ? s.replace(/^\$+|\$+$/g, '').trim() : s;
}

/**
 * The gold answer string of one benchmark record (`where` names the file and line for errors).
 * Throws MixdistillError when the field the benchmark needs is missing.
 */
export function goldFromRecord(benchmark: BenchmarkName, record: Record<string, unknown>, where: string): string {
  const field = (name: string): unknown => {
    if (!(name in record))
      throw new MixdistillError(`${where}: field "${name}" missing (needed for ${benchmark} gold answers)`);
    return record[name];
  };
  switch (benchmark) {
    case 'gsm8k':
      return gsm8kGold(String(field('answer')));
    case 'math': {
      const boxed = lastBoxed(String(field('solution')));
      if (boxed === null) throw new MixdistillError(`${where}: "solution" has no \\boxed{} answer`);
      return boxed;
    }
    case 'math500':
    case 'aime24':
      return String(field('answer')).trim();
    case 'amc23': {
      // Stored as a float (27.0); numeric comparison makes `27` and `27.0` equal.
      const value = field('answer');
      return typeof value === 'number' ? value.toString() : String(value).trim();
    }
    case 'olympiadbench': {
      const answers = field('final_answer');
      if (!Array.isArray(answers) || answers.length === 0) {
        throw new MixdistillError(`${where}: "final_answer" must be a non-empty list`);
      }
      return stripDollarWrap(String(answers[0]));
    }
  }
}

/** The gold answer as written in a grading case (`gold` field), cleaned the same way per benchmark. */
export function goldFromCase(benchmark: string, gold: string): string {
  if (benchmark === 'gsm8k' && gold.includes('####')) return gsm8kGold(gold);
  if (benchmark === 'olympiadbench') return stripDollarWrap(gold);
  return gold.trim();
}
