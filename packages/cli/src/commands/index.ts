// Every `mixdistill <command>`: one module per command, listed here (one line each).
import type { CommandModule } from 'yargs';
import { backendCommand } from './backend';
import { trainCommand } from './train';
import { mixCommand } from './mix';
import { mergeLoraCommand } from './merge_lora';
import { generateCommand } from './generate';
import { logitsCommand } from './logits';
import { inspectCommand } from './inspect';
import { gradeCommand } from './grade';
import { evalCommand } from './eval';
import { reportCommand } from './report';
import { dataCommand } from './data';
import { distillCommand } from './distill';
import { exportCommand } from './export';
import { analyzeCommand } from './analyze';
import { benchCommand } from './bench';
import { demoCommand } from './demo';
import { sweepCommand } from './sweep';

// biome-ignore lint/suspicious/noExplicitAny: yargs types each command's argv differently; the list holds them all
export const COMMANDS: CommandModule<any, any>[] = [
  backendCommand,
  trainCommand,
  mixCommand,
  mergeLoraCommand,
  generateCommand,
  logitsCommand,
  inspectCommand,
  gradeCommand,
  evalCommand,
  reportCommand,
  dataCommand,
  distillCommand,
  exportCommand,
  analyzeCommand,
  benchCommand,
  demoCommand,
  sweepCommand,
];
