// The demo's data files, written once per output folder and reused by every run: the tokenizer, the
// two teachers' training sets (the same problems in the same order), the Mix-Long set drawn from them
// by the train package's mixing code, and the held-out test split.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@mixdistill/core';
import type { DataKind } from '@mixdistill/eval';
import { mixFiles, type MixMeta } from '@mixdistill/train';
import { generateProblems, type Problem, type TaskConfig } from './task';
import { solve, type TeacherStyle } from './teachers';
import { buildVocabulary, saveTokenizerFiles, SPECIAL_TOKENS, tokenizerFiles } from './tokenizer';

/** The kinds of training data the demo compares (the paper's Table 1 columns plus Mix-Long), from eval's vocabulary. */
export const DEMO_KINDS = ['long', 'short', 'mix'] as const satisfies readonly DataKind[];
export type DemoKind = (typeof DEMO_KINDS)[number];

/** Mix-Long's weights (arXiv 2502.12143 §4: 0.2 long CoT + 0.8 short CoT of the same problems). */
export const MIX_LONG_WEIGHTS = { long: 0.2, short: 0.8 };

/** How much data to write. */
export interface DataOptions {
  /** difficulty of the problems */
  task: TaskConfig;
  /** training problems (every kind uses the same ones) */
  trainProblems: number;
  /** held-out problems (distinct number combinations never seen in training) */
  testProblems: number;
  /** seed of problems and mixing */
  seed: number;
}

/** Where the data files are and what they hold. */
export interface DemoData {
  /** folder with tokenizer.json and tokenizer_config.json */
  tokenizerDir: string;
  /** training file of each kind */
  trainFiles: Record<DemoKind, string>;
  /** held-out problems: one `{id, problem, answer}` per line */
  testFile: string;
  /** vocabulary size of the tokenizer */
  vocabSize: number;
  /** ids the student config needs */
  ids: { eos: number; pad: number };
  /** realised Mix-Long counts */
  mix: MixMeta;
  /** the held-out problems */
  test: { id: string; problem: string; answer: number }[];
  /** the answers of the training problems (for the majority-answer baseline) */
  trainAnswers: number[];
}

/** Writes `rows` as JSONL, atomically. */
export function writeJsonl(file: string, rows: unknown[]): void {
  writeFileAtomic(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** A training record in the alpaca-like problem/solution shape (`id` pairs the teachers for mixing). */
function trainRecord(p: Problem, style: TeacherStyle) {
  return { id: p.id, problem: p.text, solution: solve(p, style), answer: String(p.answer) };
}

/**
 * Writes (or, when `dir/data.json` records the same options, reuses) the demo's data under `dir`.
 * Everything is a pure function of the options, so a resumed demo trains on identical files.
 */
export function prepareData(dir: string, opts: DataOptions): DemoData {
  mkdirSync(dir, { recursive: true });
  const stamp = join(dir, 'data.json');
  if (existsSync(stamp)) {
    const saved = JSON.parse(readFileSync(stamp, 'utf8')) as { options: DataOptions; data: DemoData };
    if (JSON.stringify(saved.options) === JSON.stringify(opts)) return saved.data;
  }
  const train = generateProblems(opts.task, {
    split: 'train',
    count: opts.trainProblems,
    seed: opts.seed,
    unique: true,
  });
  const test = generateProblems(opts.task, { split: 'test', count: opts.testProblems, seed: opts.seed, unique: true });

  // The vocabulary comes from the training side only; held-out texts use the same words, and any
  // other ASCII falls back to characters.
  const vocabulary = buildVocabulary(train.flatMap((p) => [p.text, solve(p, 'short'), solve(p, 'long')]));
  const tokenizerDir = join(dir, 'tokenizer');
  saveTokenizerFiles(tokenizerDir, tokenizerFiles(vocabulary));

  const trainFiles: Record<DemoKind, string> = {
    short: join(dir, 'short.jsonl'),
    long: join(dir, 'long.jsonl'),
    mix: join(dir, 'mix-long.jsonl'),
  };
  writeJsonl(
    trainFiles.short,
    train.map((p) => trainRecord(p, 'short')),
  );
  writeJsonl(
    trainFiles.long,
    train.map((p) => trainRecord(p, 'long')),
  );
  const { meta: mix } = mixFiles(
    [
      { file: trainFiles.long, weight: MIX_LONG_WEIGHTS.long },
      { file: trainFiles.short, weight: MIX_LONG_WEIGHTS.short },
    ],
    { out: trainFiles.mix, seed: opts.seed, by: 'id', skipBadLines: false },
  );

  const testRows = test.map((p) => ({ id: p.id, problem: p.text, answer: p.answer }));
  const testFile = join(dir, 'test.jsonl');
  writeJsonl(testFile, testRows);

  const data: DemoData = {
    tokenizerDir,
    trainFiles,
    testFile,
    vocabSize: vocabulary.length,
    ids: { eos: vocabulary.indexOf(SPECIAL_TOKENS.imEnd), pad: vocabulary.indexOf(SPECIAL_TOKENS.endOfText) },
    mix,
    test: testRows,
    trainAnswers: train.map((p) => p.answer),
  };
  writeFileAtomic(stamp, `${JSON.stringify({ options: opts, data }, null, 2)}\n`);
  return data;
}
