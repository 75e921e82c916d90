// Runs for a report: each is a folder with results.json (or the file itself), and the scores the
// paper's Table 3 shows for it.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import type { EvalResults } from '../run/results';
import { demoAsEvalResults, readDemoResult } from './demo_result';

/** Table 3 columns: MATH, AMC, GSM8K, OlympiadBench, AIME, Average. */
export const TABLE_COLUMNS = ['MATH', 'AMC', 'GSM8K', 'OlympiadBench', 'AIME', 'Average'] as const;
export type TableColumn = (typeof TABLE_COLUMNS)[number];

export interface ReportRun {
  /** Row label: metadata.name, else the run folder's name. */
  name: string;
  results: EvalResults;
  /** Accuracy (percent) per Table 3 column; missing when the run did not evaluate it. */
  scores: Partial<Record<TableColumn, number>>;
}

/** Table 3 scores of one run. The MATH column takes MATH, or MATH-500 when only that was run. */
export function tableScores(results: EvalResults): Partial<Record<TableColumn, number>> {
  const b = results.benchmarks;
  const scores: Partial<Record<TableColumn, number>> = {};
  const math = b.math ?? b.math500;
  if (math) scores.MATH = math.accuracy;
  if (b.amc23) scores.AMC = b.amc23.accuracy;
  if (b.gsm8k) scores.GSM8K = b.gsm8k.accuracy;
  if (b.olympiadbench) scores.OlympiadBench = b.olympiadbench.accuracy;
  if (b.aime24) scores.AIME = b.aime24.accuracy;
  if (results.average !== null && results.average !== undefined) scores.Average = results.average;
  return scores;
}

/** Reads a run from its folder or its results.json. */
export function loadRun(path: string): ReportRun {
  const isDir = existsSync(path) && statSync(path).isDirectory();
  const file = isDir ? join(path, 'results.json') : path;
  // A demo run folder (result.json) reads as a run whose average is its held-out accuracy.
  const demo = isDir && !existsSync(file) ? readDemoResult(path) : null;
  if (demo) {
    const results = demoAsEvalResults(demo);
    return { name: String(results.metadata.name), results, scores: tableScores(results) };
  }
  if (!existsSync(file))
    throw new MixdistillError(
      `${file}: results.json not found (run "mixdistill eval --out DIR" first; demo run folders hold result.json)`,
    );
  let results: EvalResults;
  try {
    results = JSON.parse(readFileSync(file, 'utf8')) as EvalResults;
  } catch (err) {
    throw new MixdistillError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!results || typeof results.benchmarks !== 'object' || results.benchmarks === null) {
    throw new MixdistillError(
      `${file}: field "benchmarks" missing (expected the results.json that "mixdistill eval" writes)`,
    );
  }
  const name = typeof results.metadata?.name === 'string' ? results.metadata.name : basename(resolve(dirname(file)));
  return { name, results, scores: tableScores(results) };
}
