// `mixdistill report gap`: the learnability-gap report (Tables 1 and 2, Figures 2 and 3 of
// arXiv 2502.12143) from tagged eval runs. Registered under `report` (see commands/report.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import type { CommandModule } from 'yargs';
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
import { barChartSvg } from './svg_bar_chart';

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

interface Args {
  runs?: string[];
  manifest?: string[];
  out?: string;
  decimals: number;
  json: boolean;
}

export const gapCommand: CommandModule<object, Args> = {
  command: 'gap [runs..]',
  describe: 'Learnability-gap tables (P_Long/P_Short/Δ_Long, P_Large/P_Small/Δ_Large) and Δ-vs-size plots',
  builder: (y) =>
    y
      .positional('runs', {
        type: 'string',
        array: true,
        describe: 'run folders whose run.json/results.json carry student, size, kind tags',
      })
      .option('manifest', {
        type: 'string',
        array: true,
        describe:
          'JSON/JSONL manifest: [{"student": "Qwen2.5-0.5B", "kind": "long|short|large-teacher|small-teacher|mix", "score": 14.8 | "benchmarks": {...} | "run": DIR, "size"?, "family"?}]',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for gap_long/gap_large .md, .csv and .svg (default: print only)',
      })
      .option('decimals', { type: 'number', default: 1, describe: 'decimals of the printed scores' })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON document (rows, unrounded) on stdout',
      })
      .example(
        '$0 report gap --manifest gap.json --out reports/gap',
        'Tables 1 and 2 plus Figures 2 and 3 from a manifest',
      )
      .example('$0 report gap runs/*', 'the same from tagged run folders'),
  handler: (argv) => {
    const runs: GapRun[] = [
      ...(argv.manifest ?? []).flatMap((file) => readGapManifest(file)),
      ...(argv.runs ?? []).map((dir) => readGapRunFolder(dir)),
    ];
    if (runs.length === 0) throw new MixdistillError('report gap: give run folders or --manifest FILE');
    const sections = buildGapReport(runs, argv.decimals);
    if (sections.length === 0) {
      throw new MixdistillError('report gap: no student has both long and short (or large- and small-teacher) runs');
    }
    if (argv.out) {
      mkdirSync(argv.out, { recursive: true });
      for (const s of sections) {
        writeFileSync(join(argv.out, `${s.name}.md`), `${s.comparison.caption}\n\n${s.markdown}`);
        writeFileSync(join(argv.out, `${s.name}.csv`), s.csv);
        writeFileSync(join(argv.out, `${s.name}.svg`), s.svg);
      }
      process.stderr.write(`wrote ${sections.map((s) => s.name).join(', ')} (.md .csv .svg) to ${argv.out}\n`);
    }
    for (const s of sections) {
      if (s.missing.length > 0) process.stderr.write(`${s.name}: left out (one kind only): ${s.missing.join(', ')}\n`);
    }
    if (argv.json) {
      const doc = Object.fromEntries(
        sections.map((s) => [s.name, { columns: s.comparison.columns, rows: s.rows, missing: s.missing }]),
      );
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    } else {
      process.stdout.write(sections.map((s) => `${s.comparison.caption}\n\n${s.markdown}`).join('\n'));
    }
  },
};
