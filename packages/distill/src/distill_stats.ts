// The summary of a distillation: how often the teacher was accepted and how long its kept responses
// are, per source (teacher). Long-vs-short CoT data sets differ mainly in this length distribution.
import type { DistilledRow, ProblemProgress } from './distill_output';

/** Distribution of response lengths in tokens. */
export interface LengthDistribution {
  /** Rows with a known token count. */
  count: number;
  mean: number;
  median: number;
  p90: number;
  max: number;
}

export interface DistillStats {
  /** Problems finished (from the progress file; 0 when there is none). */
  problems: number;
  /** Problems with at least one kept response. */
  problemsAccepted: number;
  /** problemsAccepted / problems. */
  acceptanceRate: number;
  /** Samples drawn over all finished problems. */
  samples: number;
  /** Kept responses / samples drawn. */
  sampleAcceptanceRate: number;
  /** Rows in the output. */
  rows: number;
  /** Length distribution of the kept responses, per `teacher`. */
  bySource: Record<string, LengthDistribution & { rows: number }>;
}

/**
 * Percentile with linear interpolation between closest ranks — numpy.percentile's default
 * ("linear" method) — of values sorted ascending.
 */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function lengthDistribution(values: readonly number[]): LengthDistribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return {
    count: n,
    mean: n ? sorted.reduce((a, b) => a + b, 0) / n : Number.NaN,
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    max: n ? sorted[n - 1] : Number.NaN,
  };
}

/** Rows may come from any SFT file: `teacher` and `response_tokens` are used when present. */
export type StatsRow = Partial<Pick<DistilledRow, 'teacher' | 'response_tokens'>>;

export function distillStats(rows: readonly StatsRow[], progress: readonly ProblemProgress[]): DistillStats {
  const bySourceValues = new Map<string, { rows: number; tokens: number[] }>();
  for (const row of rows) {
    const source = typeof row.teacher === 'string' && row.teacher ? row.teacher : '(no teacher field)';
    let entry = bySourceValues.get(source);
    if (!entry) {
      entry = { rows: 0, tokens: [] };
      bySourceValues.set(source, entry);
    }
    entry.rows += 1;
    if (typeof row.response_tokens === 'number') entry.tokens.push(row.response_tokens);
  }
  const problems = progress.length;
  const problemsAccepted = progress.filter((p) => p.accepted > 0).length;
  const samples = progress.reduce((a, p) => a + p.attempts, 0);
  const kept = progress.reduce((a, p) => a + p.accepted, 0);
  return {
    problems,
    problemsAccepted,
    acceptanceRate: problems ? problemsAccepted / problems : Number.NaN,
    samples,
    sampleAcceptanceRate: samples ? kept / samples : Number.NaN,
    rows: rows.length,
    bySource: Object.fromEntries(
      [...bySourceValues].map(([source, v]) => [source, { rows: v.rows, ...lengthDistribution(v.tokens) }]),
    ),
  };
}

/** Human-readable summary (stderr / stdout without --json). */
export function formatDistillStats(stats: DistillStats): string {
  const pct = (x: number) => (Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);
  const num = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(x >= 100 ? 0 : 1));
  const lines: string[] = [];
  if (stats.problems > 0) {
    lines.push(
      `problems: ${stats.problems} finished, ${stats.problemsAccepted} with a kept response (acceptance ${pct(stats.acceptanceRate)})`,
      `samples: ${stats.samples} drawn, ${pct(stats.sampleAcceptanceRate)} accepted`,
    );
  }
  lines.push(
    `rows: ${stats.rows}`,
    '',
    '| source | rows | mean tokens | median | p90 | max |',
    '|:---|---:|---:|---:|---:|---:|',
  );
  for (const [source, d] of Object.entries(stats.bySource)) {
    lines.push(`| ${source} | ${d.rows} | ${num(d.mean)} | ${num(d.median)} | ${num(d.p90)} | ${num(d.max)} |`);
  }
  const unknown = Object.values(stats.bySource).reduce((a, d) => a + d.rows - d.count, 0);
  if (unknown > 0) lines.push('', `${unknown} rows without response_tokens are not in the length columns`);
  return `${lines.join('\n')}\n`;
}
