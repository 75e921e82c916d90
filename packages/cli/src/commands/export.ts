// `mixdistill export`: a data set (distilled, mixed, or any SFT JSONL `train` reads) in LLaMA-Factory
// or TRL layout, to train the same mix on a GPU cluster.
import { EXPORT_FORMATS, exportDataset, type ExportFormat } from '@mixdistill/distill';
import type { CommandModule } from 'yargs';

interface Args {
  format: string;
  in: string[];
  out: string;
  name?: string;
  'prompt-field'?: string;
  'response-field'?: string;
  json: boolean;
}

export const exportCommand: CommandModule<object, Args> = {
  command: 'export',
  describe: 'Write an SFT data set for LLaMA-Factory (with dataset_info.json) or TRL (messages JSONL)',
  builder: (y) =>
    y
      .option('format', {
        type: 'string',
        choices: [...EXPORT_FORMATS],
        demandOption: true,
        describe: 'target trainer',
      })
      .option('in', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'SFT JSONL file(s): problem/solution, alpaca or chat records (concatenated in order)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder (LLaMA-Factory: its dataset_dir)' })
      .option('name', {
        type: 'string',
        describe: 'data set name (default: the first input file name without extension)',
      })
      .option('prompt-field', {
        type: 'string',
        describe: 'field with the question (default: instruction, prompt or problem)',
      })
      .option('response-field', {
        type: 'string',
        describe: 'field with the answer to learn (default: output, response or solution)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print one JSON document (files, records) on stdout',
      })
      .example(
        '$0 export --format llamafactory --in data/mix_long.jsonl --out lf_data',
        'then dataset_dir: lf_data, dataset: mix_long',
      )
      .example(
        '$0 export --format trl --in data/long.jsonl data/short.jsonl --out trl_data --name long_short',
        'load with datasets.load_dataset("json", ...)',
      ),
  handler: (argv) => {
    const summary = exportDataset({
      format: argv.format as ExportFormat,
      inputs: argv.in,
      out: argv.out,
      name: argv.name,
      promptField: argv['prompt-field'],
      responseField: argv['response-field'],
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`${summary.records} records → ${summary.files.join(', ')}\n`);
  },
};
