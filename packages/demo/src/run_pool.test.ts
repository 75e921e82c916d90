// The demo's runs in worker processes: results come back in the specs' order, each worker computes
// with one thread and logs to its run folder, finished runs are reused, and a failed run is a one-line
// error naming the run and its log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MixdistillError, selectBackend, type BackendInfo } from '@mixdistill/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareData } from './data';
import { QUICK_DEMO } from './pipeline';
import { runAll } from './run_pool';
import type { RunBudget, RunSpec } from './runs';
import { studentSizes } from './students';

let backend: BackendInfo;
beforeAll(async () => {
  backend = await selectBackend();
});

const budget: RunBudget = { ...QUICK_DEMO.budget, steps: 2, batchSize: 4, maxNewTokens: 6, evalBatchSize: 8 };

describe('demo run pool', () => {
  it('runs specs in single-threaded workers, in order, and reuses finished runs', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-pool-'));
    const data = prepareData(path.join(out, 'data'), {
      task: QUICK_DEMO.task,
      trainProblems: 40,
      testProblems: 8,
      seed: 5,
    });
    const [micro] = studentSizes(['micro']);
    const specs: RunSpec[] = [
      { size: micro, kind: 'short', trainFile: data.trainFiles.short, seed: 5 },
      { size: micro, kind: 'long', trainFile: data.trainFiles.long, seed: 6 },
    ];
    const results = await runAll(out, specs, data, budget, { jobs: 2, backend });
    expect(results.map((r) => [r.kind, r.seed, r.steps, r.threads, r.eval.total])).toEqual([
      ['short', 5, 2, 1, 8],
      ['long', 6, 2, 1, 8],
    ]);
    expect(results[0].eval.perProblem).toMatch(/^[01]{8}$/);
    expect(fs.readFileSync(path.join(out, 'runs', 'micro-long-seed6', 'log.txt'), 'utf8')).toContain('seed 6');
    // A second call finds both results and starts nothing (a spec whose data file is gone still resolves).
    const again = await runAll(out, [{ ...specs[0], trainFile: '/gone.jsonl' }, specs[1]], data, budget, {
      jobs: 2,
      backend,
    });
    expect(again).toEqual(results);

    const bad: RunSpec = { size: micro, kind: 'short', trainFile: path.join(out, 'missing.jsonl'), seed: 9 };
    const failed = await runAll(out, [bad], data, budget, { jobs: 2, backend }).catch((err: Error) => err);
    expect(failed).toBeInstanceOf(MixdistillError);
    expect((failed as Error).message).toMatch(
      /^demo run micro-short-seed9 failed \(exit 1\); its log .*log\.txt: .*missing\.jsonl/,
    );
  });
});
