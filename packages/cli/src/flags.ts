// Flags and flag checks several commands share, declared once.
import { MixdistillError } from '@mixdistill/core';
import type { Options } from 'yargs';

/** Requests in flight, per-request time-out and retries of an OpenAI-compatible server (eval, distill). */
export const ENDPOINT_OPTIONS = {
  concurrency: { type: 'number', default: 16, describe: 'endpoint: requests in flight' },
  'request-timeout': { type: 'number', default: 600, describe: 'endpoint: seconds before a request is retried' },
  retries: { type: 'number', default: 5, describe: 'endpoint: attempts per request (back-off doubles from 1 s)' },
} as const satisfies Record<string, Options>;

/** Throws for the first of `flags` whose value is given but not a positive integer. */
export function requirePositiveIntegers(flags: Record<string, number | undefined>): void {
  for (const [flag, value] of Object.entries(flags)) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      throw new MixdistillError(`--${flag}: expected a positive integer, got ${value}`);
  }
}
