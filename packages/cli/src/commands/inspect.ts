// `mixdistill inspect`: what a checkpoint holds, without loading a tensor or a backend.
import { formatInspectReport, inspectCheckpoint, readModelConfig } from '@mixdistill/models';
import type { CommandModule } from 'yargs';

interface Args {
  path: string;
  json?: boolean;
}

export const inspectCommand: CommandModule<object, Args> = {
  command: 'inspect <path>',
  describe: 'List the tensors of a .safetensors file or checkpoint folder, with totals',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        demandOption: true,
        describe: 'a .safetensors file, or a checkpoint folder (its config.json is read too)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example('$0 inspect fixtures/tiny-llama3', 'both shards, totals and the architecture')
      .example('$0 inspect model.safetensors --json', 'one JSON object: tensors, parameters, bytes, shards'),
  handler: (argv) => {
    const report = inspectCheckpoint(argv.path);
    process.stdout.write(argv.json ? `${JSON.stringify(report)}\n` : formatInspectReport(report));
    // The listing is still useful, but a config.json that no command can load is an error (exit 1).
    if (report.config) readModelConfig(argv.path);
  },
};
