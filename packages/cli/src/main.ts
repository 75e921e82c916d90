// Entry point of `mixdistill` (run as `pnpm mixdistill <command>` from the repo root).
import { MixdistillError } from '@mixdistill/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { COMMANDS } from './commands/index';
import { checkNumbers, helpWidth, namesAsFlags, reflowHelp, usageError, versionText } from './help';

/** Where main writes (the process's streams; tests pass their own). */
export interface MainIO {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown };
}

const COMMAND_NAMES = COMMANDS.map((c) => String(c.command).split(' ')[0]);

/** Parses argv and runs one command; returns the exit code. User errors are one `mixdistill: …` line. */
export async function main(argv: string[], io: MainIO = process): Promise<number> {
  const command = argv.find((a) => !a.startsWith('-')) ?? null;
  let parsed: Record<string, unknown> = {};
  try {
    if (command !== null && argv[0] === command && !COMMAND_NAMES.includes(command))
      throw new MixdistillError(
        `unknown command "${command}" (commands: ${COMMAND_NAMES.join(', ')}; see mixdistill --help)`,
      );
    let output = '';
    const cli = yargs(argv)
      .scriptName('mixdistill')
      .usage(
        '$0 <command> [options]\n\nMix Distillation in Node.js: train and evaluate small students on mixed chain-of-thought data.',
      )
      .command(COMMANDS)
      .demandCommand(1, 'name a command')
      .strict()
      .recommendCommands()
      .version(versionText())
      .help()
      .alias('h', 'help')
      // Laid out by reflowHelp, which never breaks a word.
      .wrap(null)
      .middleware((a) => {
        parsed = a as Record<string, unknown>;
        checkNumbers(parsed, argv);
      }, true)
      .fail((msg, err) => {
        if (err) throw err;
        throw usageError(msg, command !== null && COMMAND_NAMES.includes(command) ? command : null);
      });
    await cli.parseAsync(argv, {}, (_err, _argv, out) => {
      output = out;
    });
    if (output) io.stdout.write(`${reflowHelp(output, helpWidth(io.stdout))}\n`);
    return 0;
  } catch (err) {
    if (err instanceof MixdistillError) {
      const flags = new Set(Object.keys(parsed).filter((k) => !/[A-Z]/.test(k)));
      const line = namesAsFlags(err.message, flags).replace(/\s*\n\s*/g, ' ');
      io.stderr.write(`mixdistill: ${line}\n`);
      return (err as { exitCode?: number }).exitCode ?? 1;
    }
    io.stderr.write(`mixdistill: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

// Run only as the program (tests import main); mixdistill.mjs is benchmarks/gpu's bundle of it.
if (process.argv[1] && /mixdistill(\.m?js)?$|main\.ts$/.test(process.argv[1])) {
  main(hideBin(process.argv)).then((code) => {
    process.exitCode = code;
  });
}
