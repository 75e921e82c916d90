// Determinism as the README states it: for a fixed kernel table (avx512/avx2/generic) and thread count,
// the same training config gives bit-identical weights whether or not the machine is busy. The native
// thread pool splits a loop into ranges fixed by its size and the thread count (core/native
// thread_pool.h), each range writes its own outputs and partial sums are combined in a fixed order:
// load changes which worker runs a range, not what it computes. Another kernel table or thread count
// changes the ranges and the vector widths, hence the floats, which is why results record both. The
// second run competes with a spinning process for the cores.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { selectBackend, type BackendInfo } from '@mixdistill/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { goldenConfig, silent } from '../test/golden_run';
import { train } from './train';

let native: BackendInfo | null = null;
beforeAll(async () => {
  try {
    native = await selectBackend('native');
  } catch {
    native = null; // the addon is not built here: the test is skipped
  }
});

/** Runs `f` while a child process spins on a core; ends that child (by its pid) afterwards. */
async function underLoad<T>(f: () => Promise<T>): Promise<T> {
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    return await f();
  } finally {
    hog.kill('SIGKILL');
  }
}

describe('determinism', () => {
  it('two runs of one config give byte-identical weights, the second on a loaded machine', async (ctx) => {
    if (native === null) return ctx.skip();
    const cfg = goldenConfig('tiny-qwen2', { batchSize: 2, shuffle: true, seed: 7, maxSteps: 6 });
    const quiet = await train(cfg, { stderr: silent });
    const loaded = await underLoad(() => train({ ...cfg, out: `${cfg.out}-loaded` }, { stderr: silent }));
    const a = fs.readFileSync(path.join(quiet.finalDir, 'model.safetensors'));
    const b = fs.readFileSync(path.join(loaded.finalDir, 'model.safetensors'));
    expect(a.length).toBeGreaterThan(0);
    expect(
      a.equals(b),
      `kernels ${native.kernels}, ${native.threads} threads: final weights differ between the runs`,
    ).toBe(true);
  });
});
