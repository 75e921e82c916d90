// `mixdistill data download`: fetches the benchmark sets from the Hugging Face Hub through the dataset
// viewer's `/rows` API (JSON pages of at most 100 rows: no parquet reader needed) and writes them in
// the layout loadBenchmark reads (`<dir>/<name>/test.jsonl`), with field names mapped to the ones in
// ../shared/data/PROVENANCE.md. The base URL is configurable so tests point it at a local server.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError, writeFileAtomic } from '@mixdistill/core';
import type { BenchmarkName } from './names';

/** Where one benchmark lives on the Hub. */
export interface HubSource {
  /** Dataset repository id. */
  dataset: string;
  /** Configs to concatenate in this order (MATH is one config per subject). */
  configs: string[];
  split: string;
  /** Maps a Hub row to the record layout of PROVENANCE.md. */
  toRecord: (row: Record<string, unknown>, config: string, index: number) => Record<string, unknown>;
}

const pick = (row: Record<string, unknown>, ...names: string[]): unknown =>
  names.map((n) => row[n]).find((v) => v !== undefined);

const MATH_SUBJECTS = [
  'algebra',
  'counting_and_probability',
  'geometry',
  'intermediate_algebra',
  'number_theory',
  'prealgebra',
  'precalculus',
];

/** The Hub copies of the sets in ../shared/data/benchmarks (same content; see PROVENANCE.md there). */
export const HUB_SOURCES: Record<BenchmarkName, HubSource> = {
  gsm8k: {
    dataset: 'openai/gsm8k',
    configs: ['main'],
    split: 'test',
    toRecord: (r, _c, i) => ({ question: r.question, answer: r.answer, idx: i }),
  },
  math: {
    dataset: 'EleutherAI/hendrycks_math',
    configs: MATH_SUBJECTS,
    split: 'test',
    // The Hub rows carry no file names; the id keeps the subject and the row index within it.
    toRecord: (r, config, i) => ({
      problem: r.problem,
      level: r.level,
      type: r.type,
      solution: r.solution,
      unique_id: `test/${config}/${i}.json`,
    }),
  },
  math500: {
    dataset: 'HuggingFaceH4/MATH-500',
    configs: ['default'],
    split: 'test',
    toRecord: (r) => ({
      problem: r.problem,
      solution: r.solution,
      answer: r.answer,
      subject: r.subject,
      level: r.level,
      unique_id: r.unique_id,
    }),
  },
  aime24: {
    dataset: 'math-ai/aime24',
    configs: ['default'],
    split: 'test',
    toRecord: (r, _c, i) => ({
      id: pick(r, 'id', 'ID') ?? i,
      problem: pick(r, 'problem', 'Problem'),
      answer: String(pick(r, 'answer', 'Answer')),
    }),
  },
  amc23: {
    dataset: 'math-ai/amc23',
    configs: ['default'],
    split: 'test',
    toRecord: (r, _c, i) => ({
      id: pick(r, 'id') ?? i,
      problem: pick(r, 'problem', 'question'),
      answer: pick(r, 'answer'),
    }),
  },
  olympiadbench: {
    dataset: 'Hothan/OlympiadBench',
    configs: ['OE_TO_maths_en_COMP'],
    split: 'train',
    toRecord: (r) => ({
      id: r.id,
      question: r.question,
      final_answer: r.final_answer,
      subfield: r.subfield,
      solution: r.solution,
    }),
  },
};

/** Options of downloadBenchmark. */
export interface DownloadOptions {
  /** Dataset viewer API root (default https://datasets-server.huggingface.co). */
  baseUrl: string;
  /** Rows per request (the API allows at most 100). */
  pageSize: number;
  /** Attempts per page before giving up (429 and 5xx are retried with exponential back-off). */
  retries: number;
  /** First back-off delay in milliseconds (doubled per retry). */
  backoffMs: number;
  /** Milliseconds before one request is abandoned. */
  timeoutMs: number;
  /** Bearer token for gated datasets (HF_TOKEN). */
  token?: string;
}

export const DEFAULT_DOWNLOAD_OPTIONS: DownloadOptions = {
  baseUrl: 'https://datasets-server.huggingface.co',
  pageSize: 100,
  retries: 5,
  backoffMs: 1000,
  timeoutMs: 60_000,
};

interface RowsPage {
  rows: { row_idx: number; row: Record<string, unknown> }[];
  num_rows_total: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchPage(url: string, options: DownloadOptions): Promise<RowsPage> {
  let lastError = '';
  for (let attempt = 0; attempt < options.retries; attempt++) {
    if (attempt > 0) await sleep(options.backoffMs * 2 ** (attempt - 1));
    try {
      const response = await fetch(url, {
        headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.ok) {
        const page = (await response.json()) as RowsPage;
        if (!Array.isArray(page.rows) || typeof page.num_rows_total !== 'number') {
          throw new MixdistillError(`${url}: unexpected response (expected {rows, num_rows_total})`);
        }
        return page;
      }
      lastError = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) break;
    } catch (err) {
      if (err instanceof MixdistillError) throw err;
      lastError = (err as Error).message;
    }
  }
  throw new MixdistillError(`${url}: download failed (${lastError})`);
}

/** Fetches one benchmark and writes `<dataDir>/<name>/test.jsonl` (atomically); returns the file and row count. */
export async function downloadBenchmark(
  name: BenchmarkName,
  dataDir: string,
  options: DownloadOptions = DEFAULT_DOWNLOAD_OPTIONS,
  onProgress?: (done: number, total: number) => void,
): Promise<{ file: string; rows: number }> {
  const source = HUB_SOURCES[name];
  const records: Record<string, unknown>[] = [];
  for (const config of source.configs) {
    let index = 0;
    for (let offset = 0; ; offset += options.pageSize) {
      const params = new URLSearchParams({
        dataset: source.dataset,
        config,
        split: source.split,
        offset: String(offset),
        length: String(options.pageSize),
      });
      const page = await fetchPage(`${options.baseUrl.replace(/\/$/, '')}/rows?${params}`, options);
      for (const { row } of page.rows) records.push(source.toRecord(row, config, index++));
      onProgress?.(records.length, page.num_rows_total);
      if (page.rows.length === 0 || offset + page.rows.length >= page.num_rows_total) break;
    }
  }
  const dir = join(dataDir, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'test.jsonl');
  writeFileAtomic(file, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  writeFileSync(
    join(dir, 'SOURCE.json'),
    `${JSON.stringify({ dataset: source.dataset, configs: source.configs, split: source.split, baseUrl: options.baseUrl, rows: records.length, downloaded: new Date().toISOString() }, null, 2)}\n`,
  );
  return { file, rows: records.length };
}

/** Downloads several benchmarks one after another, with a row count per benchmark on stderr. */
export async function downloadBenchmarks(
  names: readonly BenchmarkName[],
  dataDir: string,
  options: DownloadOptions,
): Promise<{ benchmark: BenchmarkName; file: string; rows: number }[]> {
  const done: { benchmark: BenchmarkName; file: string; rows: number }[] = [];
  for (const name of names) {
    const { file, rows } = await downloadBenchmark(name, dataDir, options, (n, total) =>
      process.stderr.write(`\r${name}: ${n}/${total} rows`),
    );
    process.stderr.write('\n');
    done.push({ benchmark: name, file, rows });
  }
  return done;
}
