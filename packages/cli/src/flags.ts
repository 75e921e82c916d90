// Flags and flag checks several commands share, declared once.
import { MixdistillError } from '@mixdistill/core';
import type { EndpointConnection } from '@mixdistill/eval';
import { TRAIN_OPTIONS, type TrainOption } from '@mixdistill/train';
import type { Argv, Options } from 'yargs';

/** Throws for the first of `flags` whose value is given but not a positive integer. */
export function requirePositiveIntegers(flags: Record<string, number | undefined>): void {
  for (const [flag, value] of Object.entries(flags)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new MixdistillError(`--${flag}: expected a positive integer, got ${value}`);
  }
}

export interface EndpointArgs {
  concurrency: number;
  'api-key-env': string;
  'api-key'?: string;
  'connect-timeout': number;
  'idle-timeout': number;
  'request-timeout': number;
  retries: number;
}

/**
 * The options of a command that talks to an OpenAI-compatible server (eval, distill), declared once so
 * both name and default them alike; times in seconds, as a person thinks of them.
 */
export function withEndpointOptions<T>(y: Argv<T>) {
  return y
    .option('concurrency', { type: 'number', default: 16, describe: 'endpoint: requests in flight' })
    .option('api-key-env', {
      type: 'string',
      default: 'OPENAI_API_KEY',
      describe: 'environment variable holding the Bearer token for --endpoint',
    })
    .option('api-key', { type: 'string', hidden: true, deprecated: 'use --api-key-env (keeps the key out of history)' })
    .option('connect-timeout', {
      type: 'number',
      default: 10,
      describe: 'endpoint: seconds to open a connection before the attempt counts as failed',
    })
    .option('idle-timeout', {
      type: 'number',
      default: 120,
      describe: 'endpoint: seconds without a token (the first included) before a request is retried',
    })
    .option('request-timeout', {
      type: 'number',
      default: 3600,
      describe: 'endpoint: seconds for a whole answer before it is retried',
    })
    .option('retries', {
      type: 'number',
      default: 5,
      describe: 'endpoint: attempts per request (back-off doubles from 1 s; each retry is announced on stderr)',
    });
}

/** The connection these options describe. */
export function endpointConnection(a: EndpointArgs): EndpointConnection {
  for (const flag of ['connect-timeout', 'idle-timeout', 'request-timeout'] as const)
    if (!(a[flag] > 0)) throw new MixdistillError(`--${flag}: expected seconds > 0, got ${a[flag]}`);
  if (!(Number.isInteger(a.retries) && a.retries >= 1))
    throw new MixdistillError(`--retries: expected a positive integer, got ${a.retries}`);
  return {
    connectTimeoutMs: a['connect-timeout'] * 1000,
    idleTimeoutMs: a['idle-timeout'] * 1000,
    timeoutMs: a['request-timeout'] * 1000,
    retries: a.retries,
    backoffMs: 1000,
    apiKey: a['api-key'] ?? process.env[a['api-key-env']],
    onRetry: (line: string) => process.stderr.write(`${line}\n`),
  };
}

/** A TRAIN_OPTIONS row as a yargs option. */
function yargsOption(o: TrainOption): Options {
  // With choices yargs lists the values; a type would only add "[string]" to the help.
  const opt: Options = o.choices
    ? { choices: o.choices, describe: o.describe }
    : { type: o.type, describe: o.describe };
  if (o.default !== undefined && o.default !== null) opt.default = o.default;
  if (o.required) opt.demandOption = true;
  if (o.array) opt.array = true;
  return opt;
}

/**
 * Every TRAIN_OPTIONS flag, in table order, in its help section (`train`, and `sweep`, which sets
 * the flags in `except` itself: one table declares every training setting for both).
 */
export function withTrainOptions<T>(y: Argv<T>, except: readonly string[] = []): Argv<T> {
  const rows = TRAIN_OPTIONS.filter((o) => !except.includes(o.flag));
  let out = y;
  for (const o of rows) out = out.option(o.flag, yargsOption(o));
  const groups = [...new Set(rows.flatMap((o) => (o.group ? [o.group] : [])))];
  for (const g of groups) {
    const flags = rows.filter((o) => o.group === g).map((o) => o.flag);
    out = out.group(g === 'Checkpoints:' ? [...flags, 'json'] : flags, g);
  }
  return out;
}
