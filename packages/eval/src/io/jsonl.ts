// JSON Lines in and out. Errors name the file and line, as every user-facing reader must.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { MixdistillError } from '@mixdistill/core';

/** One parsed line with its 1-based line number. */
export interface JsonlRecord {
  line: number;
  value: Record<string, unknown>;
}

/** Parses JSONL text; blank lines are skipped, anything else that is not a JSON object is an error naming `file:line`. */
export function parseJsonl(text: string, file: string): JsonlRecord[] {
  const out: JsonlRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new MixdistillError(`${file}:${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new MixdistillError(`${file}:${i + 1}: expected a JSON object per line`);
    }
    out.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  return out;
}

/** Reads a JSONL file (MixdistillError when it is missing). */
export function readJsonl(file: string): JsonlRecord[] {
  if (!existsSync(file)) throw new MixdistillError(`${file}: file not found`);
  return parseJsonl(readFileSync(file, 'utf8'), file);
}

/**
 * Reads the complete records of a JSONL file being appended to; a last line cut off by a crash
 * (no trailing newline, not valid JSON) is ignored so that a rerun can redo that one record.
 */
export function readJsonlTolerant(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  return parseJsonl(complete, file).map((r) => r.value);
}

/** Appends one record as a line (a single write, so a crash leaves at most one partial line). */
export function appendJsonl(file: string, value: unknown): void {
  appendFileSync(file, `${JSON.stringify(value)}\n`);
}
