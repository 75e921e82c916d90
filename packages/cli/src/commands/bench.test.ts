// `mixdistill bench host`, `bench decode`, `bench train --compare-precision` and `bench batching` end to end, each
// printing one JSON document; their times are not checked (no timed tests). host: the cuda backend's host side over an addon whose
// calls return at once sees a whole training step (every product forward and backward, one AdamW
// launch per parameter). decode: a step's wall time splits into the kernels' and the host's.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../../..');

describe('mixdistill bench host', () => {
  it('counts the addon calls of one cuda training step of the tiny model', () => {
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'packages/cli/bin/mixdistill.js'), 'bench', 'host', '--config', 'tiny', '--steps', '1', '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      layers: number;
      calls: Record<string, number>;
      host_ms_per_step: number;
      peak_device_mib: number;
    };
    expect(result.layers).toBe(4);
    // 4 layers x 7 linear layers, each with 2 products in the backward; the untied lm_head is fused
    // with the loss (MdLinearCrossEntropySum, one chunk of 512 rows): 1 product forward, 3 backward.
    expect(result.calls.gemm).toBe(28 * 3 + 4);
    expect(result.calls.crossEntropyForward).toBe(1);
    // tiny's parameters: 9 per layer (q k v o gate up down, 2 norms), the final norm, embeddings, lm_head.
    expect(result.calls.adamw).toBe(4 * 9 + 3);
    expect(result.calls.attentionForward).toBe(4);
    expect(result.calls.attentionBackward).toBe(4);
    expect(result.host_ms_per_step).toBeGreaterThan(0);
    // At least the weights, their gradients and both moments: 4 x ~3.97M float32 values.
    const params = 2 * 2048 * 256 + 4 * (2 * 256 * 256 + 2 * 128 * 256 + 3 * 704 * 256 + 2 * 256) + 256;
    expect(result.peak_device_mib).toBeGreaterThanOrEqual(Math.floor((4 * params * 4) / 2 ** 20));
  });
});

describe('mixdistill bench host --train-batch/--train-seq', () => {
  it('steps the micro-batch it is given, and refuses a shape that is not a positive integer', () => {
    const run = (...flags: string[]) =>
      spawnSync(
        process.execPath,
        [join(ROOT, 'packages/cli/bin/mixdistill.js'), 'bench', 'host', '--config', 'tiny', '--steps', '1', ...flags],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const r = run('--train-batch', '2', '--train-seq', '16', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { batch: number; seq: number };
    expect([result.batch, result.seq]).toEqual([2, 16]);
    const bad = run('--train-seq', '0');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim().split('\n').at(-1)).toBe('mixdistill: --train-seq: expected a positive integer, got 0');
    expect(bad.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('mixdistill bench decode', () => {
  it('splits a decoding step of the tiny model with bf16 weights into kernel and host time', () => {
    const r = spawnSync(
      process.execPath,
      [
        join(ROOT, 'packages/cli/bin/mixdistill.js'),
        'bench',
        'decode',
        '--config',
        'tiny',
        '--dtype',
        'bf16',
        '--prompt',
        '4',
        '--new-tokens',
        '4',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      dtype: string;
      tokens_per_s: number;
      step_ms: number;
      native_ms_per_step: number;
      host_ms_per_step: number;
    };
    expect(result.dtype).toBe('bf16');
    expect(result.tokens_per_s).toBeGreaterThan(0);
    // A step runs native kernels (the fused layers, lm_head, argmax) and JavaScript between them.
    expect(result.native_ms_per_step).toBeGreaterThan(0);
    expect(result.native_ms_per_step).toBeLessThan(result.step_ms);
    expect(result.host_ms_per_step).toBeCloseTo(result.step_ms - result.native_ms_per_step, 6);
  });
});

describe('mixdistill bench train --compare-precision', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/mixdistill.js'), 'bench', 'train', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it("times both precisions in turns and reports the first one's speedup", () => {
    const r = bench('--precision', 'bf16', '--compare-precision', 'fp32', '--steps', '1', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      precision: string;
      tokens_per_s: number;
      compared: { precision: string; tokens_per_s: number };
      speedup: number;
      rounds: number;
    };
    expect(result.precision).toBe('bf16');
    expect(result.compared.precision).toBe('fp32');
    expect(result.rounds).toBe(1);
    expect(result.tokens_per_s).toBeGreaterThan(0);
    expect(result.compared.tokens_per_s).toBeGreaterThan(0);
    expect(result.speedup).toBeGreaterThan(0);
  });

  it('refuses to compare a precision with itself, in one line', () => {
    const r = bench('--precision', 'bf16', '--compare-precision', 'bf16', '--steps', '1');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/--compare-precision is bf16, the run's own precision/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('mixdistill bench batching', () => {
  const bench = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/mixdistill.js'), 'bench', 'batching', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });

  it('decodes the prompts in static batches and continuously, to the same tokens', () => {
    const r = bench('--config', 'tiny', '--prompts', '6', '--batch', '2', '--new-tokens', '12', '--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      prompts: number;
      batch: number;
      tokens: number;
      lengths: { min: number; max: number };
      identical: boolean;
      speedup: number;
    };
    expect([result.prompts, result.batch]).toEqual([6, 2]);
    expect(result.identical).toBe(true);
    expect(result.lengths.max).toBeLessThanOrEqual(12);
    expect(result.tokens).toBeGreaterThanOrEqual(6 * result.lengths.min);
    expect(result.speedup).toBeGreaterThan(0);
  });

  it('refuses a stop fraction outside (0, 1), in one line', () => {
    const r = bench('--config', 'tiny', '--stop-fraction', '1.5');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n').at(-1)).toBe('mixdistill: --stop-fraction must lie in (0, 1), got 1.5');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
