// The distillation output, written as it goes so a killed run resumes where it stopped:
// - `OUT.jsonl`: the accepted responses, one SFT-ready row each (`problem`, `solution` + provenance);
// - `OUT.jsonl.progress.jsonl`: one line per finished problem (attempts made, responses kept), written
//   after that problem's rows, so a problem is "done" only once both are on disk.
// On open, rows of problems without a progress line (a kill between the two writes) and a torn last
// line are dropped, and those problems are asked again.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MixdistillError, writeFileAtomic } from '@mixdistill/core';
import { parseJsonl } from '@mixdistill/eval';

/** One kept teacher response: what `mix` and `train` read (`problem`, `solution`) plus provenance. */
export interface DistilledRow {
  /** The question, as given to the teacher. */
  problem: string;
  /** The teacher's full response (its chain of thought and boxed answer): the SFT target. */
  solution: string;
  /** Which teacher wrote it (served model name or checkpoint folder). */
  teacher: string;
  /** Samples drawn for this problem in total (for first-correct: up to and including this one). */
  attempts: number;
  /** 1-based number of this sample among the problem's attempts. */
  attempt: number;
  /** Length of `solution` in tokens (the teacher's count), null when unknown. */
  response_tokens: number | null;
  /** Gold answer the response was graded against. */
  answer: string;
  /** Index of the problem in the problems file (the resume key). */
  index: number;
}

/** One finished problem. */
export interface ProblemProgress {
  index: number;
  /** Samples drawn. */
  attempts: number;
  /** Responses kept (0 when every attempt was rejected). */
  accepted: number;
  /** Token counts of every drawn sample, kept or not (null where unknown). */
  sample_tokens: (number | null)[];
}

export function progressFileOf(outFile: string): string {
  return `${outFile}.progress.jsonl`;
}

/**
 * Parses a JSONL file with eval's reader, dropping a torn (unparseable) final line: what a kill in
 * the middle of an append leaves. Any other bad line is an error naming the file and line.
 */
export function readJsonl<T>(file: string): { rows: T[]; tornTail: boolean } {
  if (!existsSync(file)) return { rows: [], tornTail: false };
  const text = readFileSync(file, 'utf8');
  const lastStart = text.trimEnd().lastIndexOf('\n') + 1;
  const tornTail = !parses(text.slice(lastStart));
  const complete = tornTail ? text.slice(0, lastStart) : text;
  return { rows: parseJsonl(complete, file).map((r) => r.value as T), tornTail };
}

function parses(line: string): boolean {
  if (line.trim() === '') return true;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Appends rows and progress; knows which problems are done. */
export class DistillOutput {
  /** Progress of every finished problem, by index. */
  readonly done = new Map<number, ProblemProgress>();
  /** Rows already on disk (valid ones), for the summary. */
  readonly rows: DistilledRow[] = [];

  private constructor(
    readonly outFile: string,
    readonly progressFile: string,
  ) {}

  /** Opens (or creates) the output, repairing what a kill may have left. */
  static open(outFile: string): DistillOutput {
    mkdirSync(dirname(outFile), { recursive: true });
    const out = new DistillOutput(outFile, progressFileOf(outFile));
    const progress = readJsonl<ProblemProgress>(out.progressFile);
    for (const p of progress.rows) out.done.set(p.index, p);
    const rows = readJsonl<DistilledRow>(outFile);
    const kept = rows.rows.filter((r) => out.done.has(r.index));
    if (existsSync(outFile) && rows.rows.length > 0 && out.done.size === 0 && !existsSync(out.progressFile)) {
      throw new MixdistillError(
        `${outFile}: exists without ${out.progressFile}: not a distill output to resume (choose another --out)`,
      );
    }
    if (kept.length !== rows.rows.length || rows.tornTail)
      writeFileAtomic(outFile, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
    if (progress.tornTail)
      writeFileAtomic(out.progressFile, progress.rows.map((p) => `${JSON.stringify(p)}\n`).join(''));
    if (!existsSync(outFile)) writeFileSync(outFile, '');
    out.rows.push(...kept);
    return out;
  }

  /** Records one finished problem: its rows first, then its progress line. */
  finish(rows: DistilledRow[], progress: ProblemProgress): void {
    if (rows.length > 0) appendFileSync(this.outFile, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    appendFileSync(this.progressFile, `${JSON.stringify(progress)}\n`);
    this.rows.push(...rows);
    this.done.set(progress.index, progress);
  }
}
