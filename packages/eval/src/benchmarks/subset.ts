// `--subset` filters for MATH-style benchmarks: `level=4,5`, `subject=algebra,number_theory`, or both
// joined by `;` (`level=5;subject=geometry`). Values are case-insensitive; spaces, `&` and `_` in
// subject names are interchangeable (`Counting & Probability` = `counting_and_probability`).
import { MixdistillError } from '@mixdistill/core';
import type { Problem } from './problem';

/** A parsed subset filter. */
export interface SubsetFilter {
  /** Allowed MATH levels (empty: any). */
  levels: number[];
  /** Allowed subject slugs (empty: any). */
  subjects: string[];
}

/** `Counting & Probability` -> `counting_and_probability`. */
export function subjectSlug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

export function parseSubset(spec: string): SubsetFilter {
  const filter: SubsetFilter = { levels: [], subjects: [] };
  for (const part of spec
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '')) {
    const m = /^(level|subject)\s*=\s*(.+)$/i.exec(part);
    if (!m)
      throw new MixdistillError(`--subset: "${part}" is not level=… or subject=… (e.g. "level=4,5;subject=algebra")`);
    const values = m[2]
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (m[1].toLowerCase() === 'level') {
      for (const v of values) {
        const level = Number(v.replace(/^level\s*/i, ''));
        if (!Number.isInteger(level) || level < 1 || level > 5)
          throw new MixdistillError(`--subset: level "${v}" is not 1–5`);
        filter.levels.push(level);
      }
    } else {
      filter.subjects.push(...values.map(subjectSlug));
    }
  }
  return filter;
}

/** Problems that pass the filter; problems without level/subject never pass a filter on that field. */
export function applySubset(problems: Problem[], filter: SubsetFilter): Problem[] {
  return problems.filter(
    (p) =>
      (filter.levels.length === 0 || (p.level !== undefined && filter.levels.includes(p.level))) &&
      (filter.subjects.length === 0 || (p.subject !== undefined && filter.subjects.includes(p.subject))),
  );
}
