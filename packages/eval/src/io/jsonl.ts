// JSON Lines in and out. Errors name the file and line, as every user-facing reader must.
import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
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
 * Reads the complete records of a JSONL file being appended to. A last line cut off by a crash (no
 * trailing newline) is removed from the file, so the record is redone and later appends start on a
 * fresh line.
 */
export function readJsonlTolerant(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  const bytes = readFileSync(file);
  const end = bytes.lastIndexOf(0x0a) + 1; // byte length of the complete lines
  if (end < bytes.length) truncateSync(file, end);
  return parseJsonl(bytes.subarray(0, end).toString('utf8'), file).map((r) => r.value);
}

/** Appends one record as a line (a single write, so a crash leaves at most one partial line). */
export function appendJsonl(file: string, value: unknown): void {
  appendFileSync(file, `${JSON.stringify(value)}\n`);
}
