// Shared by every command that computes with tensors: pick the backend and print the one line.
import { BACKEND_NAMES, describeBackend, PRECISIONS, selectBackend, type BackendInfo } from '@mixdistill/core';
import type { Argv } from 'yargs';

/** Adds `--backend` and `--precision` to a command. */
export function withBackendOption<T>(y: Argv<T>) {
  const out = y
    .option('backend', {
      type: 'string',
      choices: [...BACKEND_NAMES],
      describe: `tensor backend (default: MIXDISTILL_BACKEND, else the best available: ${BACKEND_NAMES.join(', ')})`,
    })
    .option('precision', {
      type: 'string',
      choices: [...PRECISIONS],
      describe:
        'precision of matrix products (default: MIXDISTILL_PRECISION, else fp32): bf16 multiplies bfloat16 operands with float32 accumulation (native, cuda; mixed-precision training), tf32 uses TF32 tensor cores (cuda); weights, optimizer state, loss and norms stay float32',
    });
  // Backends read the precision from the environment when they are registered. (yargs instances
  // are mutable: the middleware is added without changing the returned argv type.)
  out.middleware((argv) => {
    if (argv.precision !== undefined) process.env.MIXDISTILL_PRECISION = argv.precision as string;
  });
  return out;
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
