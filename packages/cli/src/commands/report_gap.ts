// `mixdistill report gap`: the learnability-gap report (Tables 1 and 2, Figures 2 and 3 of
// arXiv 2502.12143) from tagged eval runs. Registered under `report` (see report.ts).
import { gapReport } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';

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
    const sections = gapReport({
      runs: argv.runs ?? [],
      manifests: argv.manifest ?? [],
      out: argv.out,
      decimals: argv.decimals,
    });
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
