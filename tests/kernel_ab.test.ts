// `pnpm bench:ab` builds two kernel tables into one binary and times them in turns. Its figures
// are not checked (speed is measured on demand, never in tests); what is: it compiles, both sides
// compute the same products, attention, cross-entropy, softmax and exp as each other, and a malformed workload is refused.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const hasGxx = spawnSync('g++', ['--version']).status === 0;
const nativeSrcClean =
  spawnSync('git', ['diff', '--quiet', 'HEAD', '--', 'packages/core/native/src'], { cwd: ROOT }).status === 0;

function benchAb(...argv: string[]) {
  return spawnSync('npx', ['tsx', 'benchmarks/src/kernel_ab.ts', ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 300_000,
  });
}

describe.skipIf(!hasGxx)('pnpm bench:ab', () => {
  it('times HEAD against the working tree on odd GEMM, attention and cross-entropy/softmax/exp/bf16-product shapes', () => {
    // Odd sizes: packing tails, an edge micro-tile, a partial key block.
    const r = benchAb(
      '--base',
      'HEAD',
      '--seconds',
      '0.05',
      '--cold',
      '1',
      '--idle',
      '0.05',
      '--json',
      'gemm:37,29,41,bt',
      'gemm:13,70,9,at',
      'attention:1,4,2,70,70,16',
      'attention:2,4,2,1,70,16',
      'xent:5,1003',
      'softmax:3,517',
      'exp:1001',
      'bf16:3,70,38',
      'bf16:20,33,64',
    );
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      isa: string;
      cold_mb: number;
      idle_ms: number;
      results: { workload: string; calls: number; speedup: number; max_abs_diff: number }[];
    };
    expect(doc.cold_mb).toBe(1); // caches evicted before each call: the sweep runs between the timed calls
    expect(doc.idle_ms).toBe(0.05); // and host-like integer work after it, both parsed by the binary
    expect(doc.results.map((x) => x.workload)).toEqual([
      'gemm:37,29,41,bt',
      'gemm:13,70,9,at',
      'attention:1,4,2,70,70,16',
      'attention:2,4,2,1,70,16',
      'xent:5,1003',
      'softmax:3,517',
      'exp:1001',
      'bf16:3,70,38',
      'bf16:20,33,64',
    ]);
    for (const x of doc.results) {
      expect(x.calls).toBeGreaterThanOrEqual(8);
      expect(x.speedup).toBeGreaterThan(0);
      // The same sources on both sides compute the same floats; edited kernels stay close.
      if (nativeSrcClean) expect(x.max_abs_diff).toBe(0);
      else expect(x.max_abs_diff).toBeLessThan(1e-3);
    }
  });

  it('refuses a workload it cannot read, naming it', () => {
    const r = benchAb('--seconds', '0.05', 'gemm:1,2');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("cannot read workload 'gemm:1,2'");
  });

  it('refuses a --cold that is not a number of megabytes', () => {
    const r = benchAb('--cold', 'lots', 'exp:16');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--cold must be a number of megabytes');
  });

  it('refuses an --idle that is not a number of milliseconds', () => {
    const r = benchAb('--idle', '-1', 'exp:16');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--idle must be a number of milliseconds');
  });
});
