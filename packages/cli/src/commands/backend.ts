import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';

interface Args {
  backend?: string;
  json?: boolean;
}

export const backendCommand: CommandModule<object, Args> = {
  command: 'backend',
  describe: 'Show which tensor backend would be used, and why others were skipped',
  builder: (y) =>
    withBackendOption(y)
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example('$0 backend', 'show the default backend')
      .example('MIXDISTILL_BACKEND=cpu $0 backend --json', 'force the tfjs cpu backend'),
  handler: async (argv) => {
    const info = await setupBackend(argv.backend);
    if (argv.json) process.stdout.write(`${JSON.stringify(info)}\n`);
    else {
      process.stdout.write(`${info.name}\t${info.version}\t${info.threads} threads\n`);
      for (const s of info.skipped) process.stdout.write(`  skipped: ${s}\n`);
    }
  },
};
