// Mixing JSONL files into one (what `mixdistill mix` runs, and how the demo builds Mix-Long): read each
// source, draw by weight (or pair on a field), write the mix and its `.meta.json` sidecar.
import { BadLineSink, readJsonl } from '../data/jsonl';
import { mixRecords } from './mix';
import { writeMix, type MixMeta } from './write_mix';

/** How to mix. */
export interface MixFilesOptions {
  /** mixed JSONL to write (its counts and seed go to the sidecar) */
  out: string;
  /** seed of the draws */
  seed: number;
  /** records in the mix (default: as many as possible without repeating a record; with `by`: every shared key) */
  size?: number;
  /** pair the sources on this field: each distinct value contributes one response from one source */
  by?: string;
  /** skip lines that are not JSON objects instead of stopping */
  skipBadLines: boolean;
}

/** Mixes `sources` (weights are normalised to sum 1) into `options.out`; returns the metadata and the skipped lines. */
export function mixFiles(
  sources: readonly { file: string; weight: number }[],
  options: MixFilesOptions,
): { meta: MixMeta; badLines: number } {
  const sink = new BadLineSink(options.skipBadLines);
  const mix = mixRecords(
    sources.map(({ file, weight }) => ({ file, weight, records: readJsonl(file, sink) })),
    { seed: options.seed, size: options.size, by: options.by },
  );
  return { meta: writeMix(options.out, mix), badLines: sink.bad.length };
}
