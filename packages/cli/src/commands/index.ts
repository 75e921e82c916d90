// Every `mixdistill <command>`: one module per command, listed here (one line each).
import type { CommandModule } from 'yargs';
import { backendCommand } from './backend';
import { generateCommand } from './generate';
import { logitsCommand } from './logits';
import { inspectCommand } from './inspect';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const COMMANDS: CommandModule<any, any>[] = [
  backendCommand,
  generateCommand,
  logitsCommand,
  inspectCommand,
];
