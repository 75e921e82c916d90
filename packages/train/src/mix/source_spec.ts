// `FILE[:weight]` as given to `mix --source` and `train --data`.
import { MixdistillError } from '@mixdistill/core';

/** A data file and its mixing weight (null when none was given). */
export interface SourceSpec {
  file: string;
  weight: number | null;
}

/** Parses `path/to/file.jsonl:0.2`; the weight is whatever follows the last colon, if it is a number. */
export function parseSourceSpec(spec: string, flag: string): SourceSpec {
  const colon = spec.lastIndexOf(':');
  if (colon > 0) {
    const tail = spec.slice(colon + 1);
    if (/^[0-9.eE+-]+$/.test(tail)) {
      const weight = Number(tail);
      if (!Number.isFinite(weight) || weight < 0) {
        throw new MixdistillError(`${flag} ${spec}: the weight after ":" must be a non-negative number`);
      }
      return { file: spec.slice(0, colon), weight };
    }
  }
  return { file: spec, weight: null };
}
