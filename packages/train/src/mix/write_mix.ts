// `mixdistill mix`'s output: the mixed JSONL (records unchanged) and its `<out>.meta.json` sidecar.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '@mixdistill/core';
import { sha256File } from '../util/sha256';
import type { MixResult } from './mix';

/** The sidecar: enough to reproduce and to describe the mix. */
export interface MixMeta {
  out: string;
  seed: number;
  by: string | null;
  size: number;
  sources: {
    file: string;
    sha256: string;
    weight: number;
    normalized_weight: number;
    available: number;
    drawn: number;
  }[];
  warnings: string[];
}

/** Writes `out` and `<out without .jsonl>.meta.json`; returns the metadata. */
export function writeMix(out: string, mix: MixResult): MixMeta {
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  writeFileAtomic(out, mix.records.map((r) => `${JSON.stringify(r.value)}\n`).join(''));
  const meta: MixMeta = {
    out: path.resolve(out),
    seed: mix.seed,
    by: mix.by,
    size: mix.size,
    sources: mix.counts.map((c) => ({
      file: path.resolve(c.file),
      sha256: sha256File(c.file),
      weight: c.weight,
      normalized_weight: c.normalizedWeight,
      available: c.available,
      drawn: c.drawn,
    })),
    warnings: mix.warnings,
  };
  writeFileAtomic(metaPath(out), `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** mix.jsonl -> mix.meta.json (any other name: name + .meta.json). */
export function metaPath(out: string): string {
  return out.endsWith('.jsonl') ? `${out.slice(0, -'.jsonl'.length)}.meta.json` : `${out}.meta.json`;
}
