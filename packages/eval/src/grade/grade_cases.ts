// Grades a file of cases `{prediction, gold, benchmark, ...}`: the `mixdistill grade` command.
import { MixdistillError } from '@mixdistill/core';
import { writeFileSync } from 'node:fs';
import { readJsonl, type JsonlRecord } from '../io/jsonl';
import { DEFAULT_CAS_OPTIONS, stopCas } from './cas';
import { DEFAULT_EQUIVALENCE_OPTIONS, type EquivalenceOptions } from './equivalent';
import { gradeResponse } from './grade';

/** Result of grading a case file. */
export interface GradedCases {
  /** Every input record with `extracted` and `correct` set by the grader (other fields kept). */
  records: Record<string, unknown>[];
  /** Number of records the grader judged correct. */
  correct: number;
  /** Agreement with the `correct` field the input already carried (only over records that had one). */
  agreement: { agree: number; total: number; disagreements: string[] } | null;
}

function requireString(record: JsonlRecord, field: string, file: string): string {
  const value = record.value[field];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new MixdistillError(`${file}:${record.line}: field "${field}" must be a string`);
  return value;
}

/** Grades each case; `file` names the input in error messages. */
export function gradeCases(
  cases: JsonlRecord[],
  file: string,
  options: EquivalenceOptions = DEFAULT_EQUIVALENCE_OPTIONS,
): GradedCases {
  let correct = 0;
  let agree = 0;
  let withVerdict = 0;
  const disagreements: string[] = [];
  const records = cases.map((c) => {
    const prediction = requireString(c, 'prediction', file);
    const gold = requireString(c, 'gold', file);
    const benchmark = c.value.benchmark === undefined ? 'math' : requireString(c, 'benchmark', file);
    const verdict = gradeResponse(prediction, gold, benchmark, options);
    if (verdict.correct) correct++;
    const expected = c.value.correct;
    if (typeof expected === 'boolean') {
      withVerdict++;
      if (expected === verdict.correct) agree++;
      else disagreements.push(typeof c.value.id === 'string' ? c.value.id : `${file}:${c.line}`);
    }
    return { ...c.value, extracted: verdict.extracted, correct: verdict.correct };
  });
  return { records, correct, agreement: withVerdict > 0 ? { agree, total: withVerdict, disagreements } : null };
}

/** What `gradeFile` reports. */
export interface GradeFileSummary {
  cases: number;
  correct: number;
  /** agreement with the input's own "correct" field, when the cases carry one */
  agreement: { agree: number; total: number; percent: number; disagreements: string[] } | null;
}

/**
 * Grades a JSONL file of `{prediction, gold, benchmark}` cases (what `mixdistill grade` runs); with
 * `outFile`, writes every input field plus "extracted" and "correct".
 */
export function gradeFile(inFile: string, options: { outFile?: string; timeLimitMs: number }): GradeFileSummary {
  const cases = readJsonl(inFile);
  let result: GradedCases;
  try {
    result = gradeCases(cases, inFile, { cas: { ...DEFAULT_CAS_OPTIONS, timeoutMs: options.timeLimitMs } });
  } finally {
    stopCas();
  }
  if (options.outFile) writeFileSync(options.outFile, result.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return {
    cases: result.records.length,
    correct: result.correct,
    agreement: result.agreement && {
      agree: result.agreement.agree,
      total: result.agreement.total,
      percent: (100 * result.agreement.agree) / result.agreement.total,
      disagreements: result.agreement.disagreements,
    },
  };
}
