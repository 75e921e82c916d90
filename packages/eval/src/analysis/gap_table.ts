// The learnability-gap tables of Li et al. 2025 ("Small Models Struggle to Learn from Strong Reasoners",
// arXiv 2502.12143): Table 1 compares each student fine-tuned on long vs short CoT
// (Δ_Long = P_Long − P_Short), Table 2 on large- vs small-teacher CoT (Δ_Large = P_Large − P_Small).
// P is a student's average score (percent) over the evaluation benchmarks.
import { MixdistillError } from '@mixdistill/core';

/** The kind of training data a student run was fine-tuned on (the paper's five data sets). */
export const DATA_KINDS = ['long', 'short', 'large-teacher', 'small-teacher', 'mix'] as const;
export type DataKind = (typeof DATA_KINDS)[number];

/** One evaluated student run, tagged as the report needs it. */
export interface GapRun {
  /** Student name as it should appear in the table, e.g. "Qwen2.5-0.5B". */
  student: string;
  /** Model family for the per-family plots, e.g. "Qwen" (derived from the name when absent). */
  family: string;
  /** Student size in billions of parameters (the x axis of Figures 2 and 3). */
  sizeB: number;
  /** What the student was fine-tuned on. */
  kind: DataKind;
  /** Average score in percent (0–100) over the benchmarks, unrounded. */
  score: number;
}

/** Which comparison a table makes. */
export interface GapComparison {
  /** Table column names: [P_a, P_b, Δ]. */
  columns: [string, string, string];
  /** Run kinds whose scores go in the P_a and P_b columns. */
  kinds: [DataKind, DataKind];
  /** Words for the "Better?" column when Δ > 0 and Δ < 0. */
  better: [string, string];
  /** Paper figure/table this layout follows, for captions. */
  caption: string;
}

export const LONG_VS_SHORT: GapComparison = {
  columns: ['P_Long', 'P_Short', 'Δ_Long'],
  kinds: ['long', 'short'],
  better: ['Long', 'Short'],
  caption: 'Long CoT gap (Table 1 / Figure 2 of arXiv 2502.12143): Δ_Long = P_Long − P_Short',
};

export const LARGE_VS_SMALL: GapComparison = {
  columns: ['P_Large', 'P_Small', 'Δ_Large'],
  kinds: ['large-teacher', 'small-teacher'],
  better: ['Large', 'Small'],
  caption: 'Large teacher CoT gap (Table 2 / Figure 3 of arXiv 2502.12143): Δ_Large = P_Large − P_Small',
};

/** One table row: a student with a score for both kinds of the comparison. */
export interface GapRow {
  student: string;
  family: string;
  sizeB: number;
  /** Score with the first kind (P_Long or P_Large), unrounded. */
  pA: number;
  /** Score with the second kind (P_Short or P_Small), unrounded. */
  pB: number;
  /** pA − pB, from the unrounded scores (as the paper's Δ columns). */
  delta: number;
  /** The "Better?" word; "Tie" when the displayed Δ is zero. */
  better: string;
}

/**
 * Builds the rows of one comparison. Students missing either kind are left out (and listed in
 * `missing`); a student with several runs of one kind is an error, since the table would have to pick.
 * Rows are ordered by family (in order of first appearance) and then by size, as in the paper.
 */
export function buildGapRows(
  runs: readonly GapRun[],
  comparison: GapComparison,
  decimals = 1,
): { rows: GapRow[]; missing: string[] } {
  const byStudent = new Map<string, { family: string; sizeB: number; scores: Map<DataKind, number> }>();
  for (const run of runs) {
    let entry = byStudent.get(run.student);
    if (!entry) {
      entry = { family: run.family, sizeB: run.sizeB, scores: new Map() };
      byStudent.set(run.student, entry);
    }
    if (entry.scores.has(run.kind)) {
      throw new MixdistillError(`two "${run.kind}" runs for student ${run.student}: keep one per student and kind`);
    }
    entry.scores.set(run.kind, run.score);
  }
  const familyOrder = [...new Set(runs.map((r) => r.family))];
  const rows: GapRow[] = [];
  const missing: string[] = [];
  for (const [student, entry] of byStudent) {
    const pA = entry.scores.get(comparison.kinds[0]);
    const pB = entry.scores.get(comparison.kinds[1]);
    if (pA === undefined || pB === undefined) {
      if (pA !== undefined || pB !== undefined) missing.push(student);
      continue;
    }
    const delta = pA - pB;
    rows.push({
      student,
      family: entry.family,
      sizeB: entry.sizeB,
      pA,
      pB,
      delta,
      better: betterWord(delta, comparison, decimals),
    });
  }
  rows.sort((a, b) => familyOrder.indexOf(a.family) - familyOrder.indexOf(b.family) || a.sizeB - b.sizeB);
  return { rows, missing };
}

/** "Long"/"Short" (or "Large"/"Small") by the sign of Δ; "Tie" when Δ shows as zero at this precision. */
function betterWord(delta: number, comparison: GapComparison, decimals: number): string {
  if (Number(formatScore(delta, decimals)) === 0) return 'Tie';
  return delta > 0 ? comparison.better[0] : comparison.better[1];
}

/** Fixed-point text of a score, without a "-0.0". */
export function formatScore(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : text;
}

/** The table as markdown, in the paper's layout. */
export function gapMarkdown(rows: readonly GapRow[], comparison: GapComparison, decimals = 1): string {
  const header = ['Student Model', ...comparison.columns, 'Better?'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ':---' : ':---:')).join('|')}|`];
  for (const r of rows) {
    const cells = [
      r.student,
      formatScore(r.pA, decimals),
      formatScore(r.pB, decimals),
      formatScore(r.delta, decimals),
      r.better,
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

/** The table as CSV with unrounded numbers (for further analysis), one header line. */
export function gapCsv(rows: readonly GapRow[], comparison: GapComparison): string {
  const [a, b, d] = comparison.columns.map((c) => c.toLowerCase().replace('δ', 'delta'));
  const lines = [`student,family,size_b,${a},${b},${d},better`];
  for (const r of rows) {
    lines.push([csvField(r.student), csvField(r.family), r.sizeB, r.pA, r.pB, r.delta, r.better].join(','));
  }
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
