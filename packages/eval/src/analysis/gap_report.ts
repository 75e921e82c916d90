// The learnability-gap report (Tables 1 and 2, Figures 2 and 3 of arXiv 2502.12143) from tagged eval
// runs: what `mixdistill report gap` runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { readGapManifest, readGapRunFolder } from './gap_runs';
import {
  buildGapRows,
  formatScore,
  gapCsv,
  gapMarkdown,
  LARGE_VS_SMALL,
  LONG_VS_SHORT,
  type GapComparison,
  type GapRow,
  type GapRun,
} from './gap_table';
import { barChartSvg } from '../report/bar_chart';

/** One rendered comparison. */
export interface GapSection {
  /** File stem in the output folder: "gap_long" or "gap_large". */
  name: string;
  comparison: GapComparison;
  rows: GapRow[];
  /** Students with only one of the two kinds (not in the table). */
  missing: string[];
  markdown: string;
  csv: string;
  svg: string;
}

/** Builds both comparisons from the runs; a comparison without any complete student is left out. */
export function buildGapReport(runs: readonly GapRun[], decimals = 1): GapSection[] {
  const sections: GapSection[] = [];
  for (const [name, comparison] of [
    ['gap_long', LONG_VS_SHORT],
    ['gap_large', LARGE_VS_SMALL],
  ] as const) {
    const { rows, missing } = buildGapRows(runs, comparison, decimals);
    if (rows.length === 0) continue;
    sections.push({
      name,
      comparison,
      rows,
      missing,
      markdown: gapMarkdown(rows, comparison, decimals),
      csv: gapCsv(rows, comparison),
      svg: gapSvg(rows, comparison, decimals),
    });
  }
  return sections;
}

/** Δ against student size, one panel per family (the paper's Figures 2 and 3). */
export function gapSvg(rows: readonly GapRow[], comparison: GapComparison, decimals = 1): string {
  const families = [...new Set(rows.map((r) => r.family))];
  const panels = families.map((family, i) => ({
    title: `(${String.fromCharCode(97 + i)}) ${family} family`,
    bars: rows
      .filter((r) => r.family === family)
      .map((r) => ({ label: `${formatSize(r.sizeB)}B`, value: Number(formatScore(r.delta, decimals)) })),
  }));
  return barChartSvg(panels, { title: comparison.caption, yLabel: `${comparison.columns[2]} (points)`, decimals });
}

function formatSize(sizeB: number): string {
  return Number.isInteger(sizeB) ? String(sizeB) : String(Number(sizeB.toPrecision(3)));
}

/**
 * Reads tagged runs from manifests and run folders, builds both comparisons and, with `out`, writes
 * gap_long / gap_large as .md, .csv and .svg there. Students with only one kind are reported on stderr.
 */
export function gapReport(options: {
  /** run folders whose run.json/results.json carry student, size, kind tags */
  runs: readonly string[];
  /** JSON/JSONL manifests of tagged runs */
  manifests: readonly string[];
  /** output folder (nothing is written without one) */
  out?: string;
  /** decimals of the printed scores */
  decimals: number;
}): GapSection[] {
  const runs: GapRun[] = [
    ...options.manifests.flatMap((file) => readGapManifest(file)),
    ...options.runs.map((dir) => readGapRunFolder(dir)),
  ];
  if (runs.length === 0) throw new MixdistillError('report gap: give run folders or --manifest FILE');
  const sections = buildGapReport(runs, options.decimals);
  if (sections.length === 0) {
    throw new MixdistillError('report gap: no student has both long and short (or large- and small-teacher) runs');
  }
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    for (const s of sections) {
      writeFileSync(join(options.out, `${s.name}.md`), `${s.comparison.caption}\n\n${s.markdown}`);
      writeFileSync(join(options.out, `${s.name}.csv`), s.csv);
      writeFileSync(join(options.out, `${s.name}.svg`), s.svg);
    }
    process.stderr.write(`wrote ${sections.map((s) => s.name).join(', ')} (.md .csv .svg) to ${options.out}\n`);
  }
  for (const s of sections) {
    if (s.missing.length > 0) process.stderr.write(`${s.name}: left out (one kind only): ${s.missing.join(', ')}\n`);
  }
  return sections;
}
