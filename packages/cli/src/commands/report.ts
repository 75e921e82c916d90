// `mixdistill report`: compare eval runs (Table 3 layout, plots); `report gap` is its subcommand.
import { compareRuns, csvTable, markdownTable } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';
import { gapCommand } from './report_gap';

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
    const { runs, files } = compareRuns(argv.runs, { out: argv.out, weightKey: argv['weight-key'] });
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ rows: runs.map((r) => ({ name: r.name, ...r.scores })), files })}\n`);
      return;
    }
    process.stdout.write(argv.format === 'csv' ? csvTable(runs) : markdownTable(runs));
    for (const f of files) process.stderr.write(`wrote ${f}\n`);
  },
};
