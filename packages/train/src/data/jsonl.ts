// Line-oriented JSON reading with file:line on every problem, shared by training data and mixing.
import { readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';

/** One parsed JSONL line, with where it came from (for error messages and mixing metadata). */
export interface JsonlRecord {
  /** path as given by the user */
  file: string;
  /** 1-based line number in `file` */
  line: number;
  /** the parsed JSON object */
  value: Record<string, unknown>;
}

/** A line that could not be used, kept so `--skip-bad-lines` can report how many and where. */
export interface BadLine {
  file: string;
  line: number;
  reason: string;
}

/** Collects bad lines: throws on the first one unless skipping is on. */
export class BadLineSink {
  readonly bad: BadLine[] = [];

  /** skip: `--skip-bad-lines` (count and continue) instead of stopping at the first bad line */
  constructor(readonly skip: boolean) {}

  /** Records a bad line, or throws it as a MixdistillError when not skipping. */
  report(file: string, line: number, reason: string): void {
    if (!this.skip) throw new MixdistillError(`${file}:${line}: ${reason} (use --skip-bad-lines to skip such lines)`);
    this.bad.push({ file, line, reason });
  }
}

/** Reads a JSONL file of objects; blank lines are ignored, anything else that is not an object is bad. */
export function readJsonl(file: string, sink: BadLineSink): JsonlRecord[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MixdistillError(`${file}: cannot read data file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const records: JsonlRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      sink.report(file, i + 1, `invalid JSON (${(err as Error).message})`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      sink.report(file, i + 1, 'expected a JSON object on each line');
      continue;
    }
    records.push({ file, line: i + 1, value: value as Record<string, unknown> });
  }
  return records;
}
