// Shared by every command that computes with tensors: pick the backend and print the one line.
import { BACKEND_NAMES, describeBackend, selectBackend, type BackendInfo } from '@mixdistill/core';
import type { Argv } from 'yargs';

/** Adds `--backend` to a command. */
export function withBackendOption<T>(y: Argv<T>) {
  return y.option('backend', {
    type: 'string',
    choices: [...BACKEND_NAMES],
    describe: `tensor backend (default: MIXDISTILL_BACKEND, else the best available: ${BACKEND_NAMES.join(', ')})`,
  });
}

/** Activates the backend and reports it on stderr (stdout stays for results). */
export async function setupBackend(requested?: string): Promise<BackendInfo> {
  const info = await selectBackend(requested);
  process.stderr.write(`${describeBackend(info)}\n`);
  for (const reason of info.skipped) {
    if (process.env.MIXDISTILL_VERBOSE) process.stderr.write(`  (${reason})\n`);
  }
  return info;
}
