// `mixdistill report`: eval runs side by side in the paper's Table 3 layout, written as markdown, CSV
// and SVG plots (accuracy per benchmark; accuracy against the mix weight when runs carry one).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyBarsSvg, mixWeightSvg } from './accuracy_plots';
import { loadRun, type ReportRun } from './runs';
import { csvTable, markdownTable } from './table';

/**
 * Loads run folders (or results.json files), one table row each; with `out`, writes table.md,
 * table.csv, accuracy.svg and (when runs carry `weightKey` in their metadata) mix-weight.svg there.
 */
export function compareRuns(
  paths: readonly string[],
  options: { out?: string; weightKey: string },
): { runs: ReportRun[]; files: string[] } {
  const runs = paths.map(loadRun);
  const files: string[] = [];
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    const outputs: [string, string | null][] = [
      ['table.md', markdownTable(runs)],
      ['table.csv', csvTable(runs)],
      ['accuracy.svg', accuracyBarsSvg(runs)],
      ['mix-weight.svg', mixWeightSvg(runs, options.weightKey)],
    ];
    for (const [name, text] of outputs) {
      if (text === null) continue;
      writeFileSync(join(options.out, name), text);
      files.push(join(options.out, name));
    }
  }
  return { runs, files };
}
