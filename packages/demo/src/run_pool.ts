// Runs the demo's (size, kind, seed) runs, several at once in worker processes. The runs are
// independent, and at the demo's scale one run per core, single-threaded, beats one run at a time on
// every core (the tensors are too small to split well). A worker computes with one thread, so a run's
// floats depend only on the kernel table and its seed, not on how many cores the machine has.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BackendInfo, MixdistillError, ProgressBar, writeFileAtomic } from '@mixdistill/core';
import type { DemoData } from './data';
import { runName, runOne, savedResult, type RunBudget, type RunResult, type RunSpec } from './runs';

/** How the runs are executed. */
export interface PoolOptions {
  /** runs at once; 1 runs them one after another in this process, on the active backend */
  jobs: number;
  /** the active backend: its name is given to the workers */
  backend: BackendInfo;
}

/** What a worker process is told (runs/<name>/job.json). */
export interface WorkerJob {
  outDir: string;
  spec: RunSpec;
  data: DemoData;
  budget: RunBudget;
  backend: string;
}

/** tsx's loader as a URL for `node --import`, so a worker runs the TypeScript sources as the CLI does. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

const WORKER_FILE = fileURLToPath(new URL('./run_worker.ts', import.meta.url));

/** The last lines of a worker's log, for the error that names it. */
function logTail(file: string, lines = 5): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.includes('\r'))
    .slice(-lines)
    .join(' | ');
}

/** Runs one spec in a single-threaded worker process; its output goes to runs/<name>/log.txt. */
function runInWorker(outDir: string, spec: RunSpec, data: DemoData, budget: RunBudget, backend: string) {
  const runDir = join(outDir, 'runs', runName(spec));
  mkdirSync(runDir, { recursive: true });
  const jobFile = join(runDir, 'job.json');
  const job: WorkerJob = { outDir, spec, data, budget, backend };
  writeFileAtomic(jobFile, `${JSON.stringify(job)}\n`);
  const logFile = join(runDir, 'log.txt');
  const log = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', tsxLoader(), WORKER_FILE, jobFile], {
    env: { ...process.env, MIXDISTILL_THREADS: '1', MIXDISTILL_BACKEND: backend },
    stdio: ['ignore', log, log],
  });
  return new Promise<RunResult>((resolve, reject) => {
    child.on('error', (err) => reject(new MixdistillError(`demo run ${runName(spec)}: ${err.message}`)));
    child.on('exit', (code, signal) => {
      closeSync(log);
      const result = savedResult(outDir, spec);
      if (code === 0 && result) resolve(result);
      else
        reject(
          new MixdistillError(
            `demo run ${runName(spec)} failed (${signal ?? `exit ${code}`}); its log ${logFile}: ${logTail(logFile)}`,
          ),
        );
    });
  });
}

/** One line per finished run, above the progress bar. */
function finishedLine(r: RunResult): string {
  return `   ${r.size}-${r.kind} seed ${r.seed}: ${r.eval.accuracy.toFixed(1)}% (${r.eval.correct}/${r.eval.total}), trained ${r.trainSeconds.toFixed(0)} s`;
}

/**
 * Runs every spec (finished ones are read back) and returns the results in the specs' order. With
 * `jobs` > 1 the pending runs go to that many worker processes at a time; a failed run stops new ones
 * from starting, lets the running ones finish (their results are kept) and throws with its log.
 */
export async function runAll(
  outDir: string,
  specs: RunSpec[],
  data: DemoData,
  budget: RunBudget,
  opts: PoolOptions,
): Promise<RunResult[]> {
  const results: (RunResult | null)[] = specs.map((s) => savedResult(outDir, s));
  const pending = specs.map((_, i) => i).filter((i) => results[i] === null);
  if (pending.length === 0) return results as RunResult[];
  if (opts.jobs <= 1) {
    for (const i of pending) results[i] = await runOne(outDir, specs[i], data, budget, opts.backend);
    return results as RunResult[];
  }
  const bar = new ProgressBar('demo runs', specs.length, { startAt: specs.length - pending.length });
  bar.update(specs.length - pending.length, `${opts.jobs} at once, logs in ${join(outDir, 'runs', '*', 'log.txt')}`);
  let next = 0;
  let failure: Error | null = null;
  const worker = async () => {
    while (failure === null && next < pending.length) {
      const i = pending[next++];
      try {
        results[i] = await runInWorker(outDir, specs[i], data, budget, opts.backend.name);
        bar.note(finishedLine(results[i]!));
        bar.advance(1);
      } catch (err) {
        failure ??= err as Error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.jobs, pending.length) }, worker));
  if (failure) throw failure;
  bar.finish();
  return results as RunResult[];
}
