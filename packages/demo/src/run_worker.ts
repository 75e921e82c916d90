// A demo worker process (started by run_pool.ts with `node --import tsx`): reads its job file, selects
// the backend the parent uses (with MIXDISTILL_THREADS=1), and trains and evaluates that one run.
import { readFileSync } from 'node:fs';
import { MixdistillError, selectBackend } from '@mixdistill/core';
import type { WorkerJob } from './run_pool';
import { runOne } from './runs';

const jobFile = process.argv[2];
try {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as WorkerJob;
  const backend = await selectBackend(job.backend);
  await runOne(job.outDir, job.spec, job.data, job.budget, backend);
} catch (err) {
  process.stderr.write(err instanceof MixdistillError ? `mixdistill: ${err.message}\n` : `${(err as Error).stack}\n`);
  process.exit(1);
}
