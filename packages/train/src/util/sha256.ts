import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Hex sha256 of a file's bytes, stored in run metadata so a report can tell which data was used. */
export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}
