import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { accuracyBarsSvg, csvTable, loadRun, markdownTable, mixWeightSvg } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';
import { gapCommand } from '../analysis/gap_report';

interface Args {
  runs: string[];
  out?: string;
  format: string;
  'weight-key': string;
  json?: boolean;
}

export const reportCommand: CommandModule<object, Args> = {
  command: 'report <runs..>',
  describe: "Compare eval runs in the paper's Table 3 layout (markdown/CSV) and plot them (SVG)",
  builder: (y) =>
    y
      .command(gapCommand)
      .positional('runs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'run folders (eval: results.json; demo: result.json) or results.json files; one row each',
      })
      .option('out', {
        type: 'string',
        describe: 'folder for table.md, table.csv, accuracy.svg and (when runs carry the weight) mix-weight.svg',
      })
      .option('format', {
        type: 'string',
        choices: ['markdown', 'csv'],
        default: 'markdown',
        describe: 'table printed on stdout',
      })
      .option('weight-key', {
        type: 'string',
        default: 'mixWeight',
        describe: 'metadata key holding the mix weight (eval --meta mixWeight=0.2) for the Figure 6 plot',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON document (rows and written files) on stdout',
      })
      .example('$0 report runs/long runs/short runs/mix --out report/', 'Table 3 for three runs, plus plots'),
  handler: (argv) => {
    const runs = argv.runs.map(loadRun);
    const written: string[] = [];
    if (argv.out) {
      mkdirSync(argv.out, { recursive: true });
      const files: [string, string | null][] = [
        ['table.md', markdownTable(runs)],
        ['table.csv', csvTable(runs)],
        ['accuracy.svg', accuracyBarsSvg(runs)],
        ['mix-weight.svg', mixWeightSvg(runs, argv['weight-key'])],
      ];
      for (const [name, text] of files) {
        if (text === null) continue;
        writeFileSync(join(argv.out, name), text);
        written.push(join(argv.out, name));
      }
    }
    if (argv.json) {
      process.stdout.write(
        `${JSON.stringify({ rows: runs.map((r) => ({ name: r.name, ...r.scores })), files: written })}\n`,
      );
      return;
    }
    process.stdout.write(argv.format === 'csv' ? csvTable(runs) : markdownTable(runs));
    for (const f of written) process.stderr.write(`wrote ${f}\n`);
  },
};
