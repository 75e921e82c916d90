// Shared by every command that computes with tensors: pick the backend and print the one line.
import {
  BACKEND_NAMES,
  CUDA_MATH_MODES,
  describeBackend,
  MixdistillError,
  selectBackend,
  type BackendInfo,
} from '@mixdistill/core';
import type { Argv } from 'yargs';

/** `--precision` as given on this command line (undefined: not given). */
let precisionFlag: string | undefined;

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
      choices: [...CUDA_MATH_MODES],
      describe:
        'cuda: precision of matrix products (default: MIXDISTILL_CUDA_MATH, else fp32). bf16 multiplies bfloat16 operands with float32 accumulation; weights, optimizer state, loss and norms stay float32',
    });
  // The cuda backend reads its math mode from the environment when it is registered. (yargs
  // instances are mutable: the middleware is added without changing the returned argv type.)
  out.middleware((argv) => {
    precisionFlag = argv.precision as string | undefined;
    if (precisionFlag !== undefined) process.env.MIXDISTILL_CUDA_MATH = precisionFlag;
  });
  return out;
}

/** Activates the backend and reports it on stderr (stdout stays for results). */
export async function setupBackend(requested?: string): Promise<BackendInfo> {
  const info = await selectBackend(requested);
  if (precisionFlag !== undefined && precisionFlag !== 'fp32' && info.name !== 'cuda') {
    throw new MixdistillError(
      `--precision ${precisionFlag} needs the cuda backend, but ${info.name} is active (it computes in float32); use --backend cuda or leave --precision out`,
    );
  }
  process.stderr.write(`${describeBackend(info)}\n`);
  for (const reason of info.skipped) {
    if (process.env.MIXDISTILL_VERBOSE) process.stderr.write(`  (${reason})\n`);
  }
  return info;
}
