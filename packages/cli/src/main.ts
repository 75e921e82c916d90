// Entry point of `mixdistill` (run as `pnpm mixdistill <command>` from the repo root).
import { MixdistillError } from '@mixdistill/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index';

/** Parses argv and runs one command; user errors become one line on stderr and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  const cli = yargs(argv)
    .scriptName('mixdistill')
    .usage(
      '$0 <command> [options]\n\nMix Distillation in Node.js: train and evaluate small students on mixed chain-of-thought data.',
    )
    .command(COMMANDS)
    .demandCommand(1, 'name a command (see --help)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .fail((msg, err) => {
      if (err) throw err;
      throw new MixdistillError(`${msg} (see mixdistill --help)`);
    });
  await cli.parseAsync();
}

main(hideBin(process.argv)).catch((err: unknown) => {
  if (err instanceof MixdistillError) {
    process.stderr.write(`mixdistill: ${err.message}\n`);
  } else {
    process.stderr.write(
      `mixdistill: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  }
  process.exitCode = 1;
});
