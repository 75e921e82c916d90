// Mix Distillation's data mixing (arXiv 2502.12143 §4): draw from several distilled sets by weight.
//
// Without a key, each source gives round(weight · size) records drawn without replacement (a source
// that must give more than it has is repeated in whole shuffled passes, with a warning). With a key
// (`--by problem`), the sources are paired on that field: each shared problem is given to exactly one
// source, so the mix holds one response per problem — the paper's Mix-Long is 20% of the MATH problems
// answered by the long-CoT teacher and the other 80% by the short-CoT one.
//
// Everything is drawn from one seeded generator in a fixed order, so (sources, weights, size, key,
// seed) determines the output exactly.
import { MixdistillError, Rng } from '@mixdistill/core';
import type { JsonlRecord } from '../data/jsonl';
import { apportion } from './apportion';

/** One input of a mix. */
export interface MixSource {
  /** path, for messages and metadata */
  file: string;
  /** relative weight (normalised over all sources) */
  weight: number;
  /** its records, in file order */
  records: JsonlRecord[];
}

/** How to mix. */
export interface MixOptions {
  /** seed of the draws */
  seed: number;
  /** number of output records (default: as many as possible without repeating a record / all shared problems) */
  size?: number;
  /** pair sources on this field, one response per distinct value */
  by?: string;
}

/** Realised draw of one source. */
export interface MixCount {
  file: string;
  /** weight as given */
  weight: number;
  /** weight after normalisation to sum 1 */
  normalizedWeight: number;
  /** usable records (distinct keys with --by) */
  available: number;
  /** records taken into the mix */
  drawn: number;
}

/** The mix and what it took from each source. */
export interface MixResult {
  /** mixed records, in a seeded shuffled order */
  records: JsonlRecord[];
  counts: MixCount[];
  /** things the user should know (normalised weights, oversampling, unmatched problems) */
  warnings: string[];
  seed: number;
  by: string | null;
  size: number;
}

/** Mixes sources by weight; see the file comment for the rules. */
export function mixRecords(sources: readonly MixSource[], opts: MixOptions): MixResult {
  if (sources.length === 0) throw new MixdistillError('mix: give at least one source');
  const warnings: string[] = [];
  const total = sources.reduce((a, s) => a + s.weight, 0);
  if (!(total > 0)) throw new MixdistillError('mix: the source weights must not all be zero');
  if (Math.abs(total - 1) > 1e-6) {
    warnings.push(
      `source weights sum to ${total}, not 1: normalised to ${sources.map((s) => fmt(s.weight / total)).join(', ')}`,
    );
  }
  if (opts.size !== undefined && (!Number.isInteger(opts.size) || opts.size < 0)) {
    throw new MixdistillError(`mix: --size must be a non-negative integer, got ${opts.size}`);
  }
  const weights = sources.map((s) => s.weight / total);
  const rng = new Rng(opts.seed);
  const picked =
    opts.by === undefined
      ? drawIndependent(sources, weights, opts, rng, warnings)
      : drawPaired(sources, weights, opts.by, opts, rng, warnings);
  const records = rng.shuffled(picked.flat());
  return {
    records,
    counts: sources.map((s, i) => ({
      file: s.file,
      weight: s.weight,
      normalizedWeight: weights[i],
      available: picked.available[i],
      drawn: picked[i].length,
    })),
    warnings,
    seed: opts.seed,
    by: opts.by ?? null,
    size: records.length,
  };
}

type Picked = JsonlRecord[][] & { available: number[] };

function drawIndependent(
  sources: readonly MixSource[],
  weights: number[],
  opts: MixOptions,
  rng: Rng,
  warnings: string[],
): Picked {
  for (const s of sources)
    if (s.records.length === 0 && s.weight > 0) throw new MixdistillError(`mix: ${s.file} has no records`);
  // Largest mix in which no source repeats a record.
  const size =
    opts.size ??
    Math.min(...sources.map((s, i) => (weights[i] > 0 ? Math.floor(s.records.length / weights[i] + 1e-9) : Infinity)));
  const counts = apportion(size, weights);
  const picked = sources.map((s, i) => {
    const out: JsonlRecord[] = [];
    while (out.length < counts[i]) out.push(...rng.shuffled(s.records).slice(0, counts[i] - out.length));
    if (counts[i] > s.records.length)
      warnings.push(`${s.file}: ${counts[i]} draws from ${s.records.length} records, so records repeat`);
    return out;
  }) as Picked;
  picked.available = sources.map((s) => s.records.length);
  return picked;
}

function drawPaired(
  sources: readonly MixSource[],
  weights: number[],
  by: string,
  opts: MixOptions,
  rng: Rng,
  warnings: string[],
): Picked {
  // key -> the records of each source with that key
  const bySource = sources.map((s) => {
    const groups = new Map<string, JsonlRecord[]>();
    for (const r of s.records) {
      const k = r.value[by];
      if (typeof k !== 'string' && typeof k !== 'number') {
        throw new MixdistillError(`${r.file}:${r.line}: --by ${by}: field "${by}" is missing or not a string/number`);
      }
      const key = String(k);
      const g = groups.get(key);
      if (g) g.push(r);
      else groups.set(key, [r]);
    }
    return groups;
  });
  const shared = [...bySource[0].keys()].filter((k) => bySource.every((g) => g.has(k)));
  sources.forEach((s, i) => {
    const unmatched = bySource[i].size - shared.length;
    if (unmatched > 0)
      warnings.push(
        `${s.file}: ${unmatched} of ${bySource[i].size} distinct "${by}" values are not in every source and are left out`,
      );
  });
  const size = opts.size ?? shared.length;
  if (size > shared.length) {
    throw new MixdistillError(`mix: --size ${size} but only ${shared.length} "${by}" values are shared by all sources`);
  }
  const problems = rng.shuffled(shared).slice(0, size);
  const counts = apportion(size, weights);
  let next = 0;
  const picked = sources.map((_, i) => {
    const keys = problems.slice(next, next + counts[i]);
    next += counts[i];
    return keys.map((key) => {
      const group = bySource[i].get(key)!;
      // Several responses to one problem in a source: take one at random.
      return group.length === 1 ? group[0] : group[rng.int(group.length)];
    });
  }) as Picked;
  picked.available = sources.map(() => shared.length);
  return picked;
}

function fmt(x: number): string {
  return String(Math.round(x * 1e6) / 1e6);
}
