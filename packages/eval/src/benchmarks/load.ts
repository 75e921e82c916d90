// Loads a benchmark from a folder laid out as ../shared/data/benchmarks (`<dir>/<name>/test.jsonl`,
// fields as in PROVENANCE.md there). Order is the file's order, so `--limit N` is deterministic.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { goldFromRecord } from '../extract/gold';
import { parseJsonl } from '../io/jsonl';
import type { BenchmarkName } from './names';
import type { Problem } from './problem';
import { applySubset, parseSubset, subjectSlug } from './subset';

/** Where `mixdistill data download` puts the benchmarks, and where `eval` looks by default. */
export function defaultDataDir(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'mixdistill', 'benchmarks');
}

/** Path of a benchmark's file inside a data folder. */
export function benchmarkFile(dataDir: string, name: BenchmarkName): string {
  return join(dataDir, name, 'test.jsonl');
}

/** Options of loadBenchmark. */
export interface LoadOptions {
  /** Keep only the first N problems (after the subset filter). */
  limit?: number;
  /** MATH subset filter, e.g. `level=5;subject=algebra` (see subset.ts). */
  subset?: string;
}

/** A loaded benchmark with the provenance results.json records. */
export interface LoadedBenchmark {
  name: BenchmarkName;
  file: string;
  /** SHA-256 of the whole file, hex. */
  sha256: string;
  problems: Problem[];
}

function questionField(name: BenchmarkName): string {
  return name === 'gsm8k' || name === 'olympiadbench' ? 'question' : 'problem';
}

function parseLevel(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const level = Number(String(value).replace(/^Level\s*/i, ''));
  return Number.isInteger(level) ? level : undefined;
}

/** Subject from `unique_id` (`test/<subject>/<n>.json`) when present, else from `type`/`subject`. */
function parseSubject(record: Record<string, unknown>): string | undefined {
  const uid = record.unique_id;
  if (typeof uid === 'string') {
    const parts = uid.split('/');
    if (parts.length >= 3) return subjectSlug(parts[parts.length - 2]);
  }
  const named = record.type ?? record.subject;
  return typeof named === 'string' ? subjectSlug(named) : undefined;
}

function problemId(_name: BenchmarkName, record: Record<string, unknown>, line: number): string {
  const id = record.unique_id ?? record.id ?? record.idx;
  return id === undefined || id === null ? `line${line}` : String(id);
}

/** Reads a benchmark; MixdistillError names the file (and line) when something is missing or malformed. */
export function loadBenchmark(dataDir: string, name: BenchmarkName, options: LoadOptions = {}): LoadedBenchmark {
  const file = benchmarkFile(dataDir, name);
  if (!existsSync(file)) {
    throw new MixdistillError(
      `${file}: benchmark file not found (point --data-dir at a folder with <name>/test.jsonl, or run "mixdistill data download")`,
    );
  }
  const bytes = readFileSync(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const qField = questionField(name);
  let problems: Problem[] = parseJsonl(bytes.toString('utf8'), file).map(({ line, value }) => {
    const where = `${file}:${line}`;
    const question = value[qField];
    if (typeof question !== 'string') throw new MixdistillError(`${where}: field "${qField}" must be a string`);
    const problem: Problem = {
      id: problemId(name, value, line),
      benchmark: name,
      question,
      gold: goldFromRecord(name, value, where),
    };
    if (name === 'math' || name === 'math500') {
      problem.level = parseLevel(value.level);
      problem.subject = parseSubject(value);
    }
    return problem;
  });
  if (options.subset) problems = applySubset(problems, parseSubset(options.subset));
  if (options.limit !== undefined) problems = problems.slice(0, options.limit);
  return { name, file, sha256, problems };
}
