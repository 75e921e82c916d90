// The flags of every command that talks to an OpenAI-compatible server (eval, distill), declared once.
import type { Options } from 'yargs';

/** Requests in flight, per-request time-out and retries; add with `.options(ENDPOINT_OPTIONS)`. */
export const ENDPOINT_OPTIONS = {
  concurrency: { type: 'number', default: 16, describe: 'endpoint: requests in flight' },
  'request-timeout': { type: 'number', default: 600, describe: 'endpoint: seconds before a request is retried' },
  retries: { type: 'number', default: 5, describe: 'endpoint: attempts per request (back-off doubles from 1 s)' },
} as const satisfies Record<string, Options>;
