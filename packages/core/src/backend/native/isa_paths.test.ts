// The generic and AVX2 kernel tables. Start-up picks the best table the CPU supports, so on the
// reference machine only the AVX-512 one runs in the other tests; MIXDISTILL_ISA forces a lower
// one. The addon reads it once per process, so the kernel tests run again in a child vitest per
// instruction set (native_kernels.test.ts checks that the forced table is the one loaded); on a
// CPU with AVX512-BF16, MIXDISTILL_ISA=avx512 also runs the bf16 tests on AVX-512 without it.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ADDON_BUILT, SKIP_REASON } from './test_helpers';
import { loadAddon } from './addon';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../../../../..');
const VITEST = path.join(ROOT, 'node_modules/vitest/vitest.mjs');
const FILES = [
  'native_kernels.test.ts',
  'fused_kernels.test.ts',
  'matmul_bf16.test.ts',
  '../../ops/bf16.test.ts',
  '../../ops/decoder_layers.test.ts',
].map((f) => path.join(HERE, f));

/** Instruction sets below the one start-up picks (the order of native/src/cpu_features.cc). */
function lowerIsas(): string[] {
  const order = ['generic', 'avx2', 'avx512'];
  return order.slice(0, order.indexOf(loadAddon().info().isa));
}

/**
 * Runs vitest on `files` in a child process with MIXDISTILL_ISA=isa. Not spawnSync: the three runs
 * take ~20 s each, and a worker blocked for longer than vitest's 60 s RPC timeout fails the whole
 * suite ("Timeout calling onTaskUpdate") although every test passed.
 */
function runVitest(isa: string, files: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [VITEST, 'run', '--root', ROOT, ...files], {
      env: { ...process.env, MIXDISTILL_ISA: isa, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

/** `avx512` (AVX-512 widening bf16) is lower than the table start-up picks only when it would use AVX512-BF16. */
function runs(isa: string): boolean {
  if (isa === 'avx512') return loadAddon().info().bf16 === 'vdpbf16ps';
  return lowerIsas().includes(isa);
}

describe.skipIf(!ADDON_BUILT)(`kernel tables for lower instruction sets${SKIP_REASON}`, () => {
  for (const isa of ['generic', 'avx2', 'avx512']) {
    it.skipIf(ADDON_BUILT && !runs(isa))(`${isa}: the kernel tests pass`, async () => {
      // AVX-512 without AVX512-BF16 differs from the default table only in the bf16 kernels.
      const files = isa === 'avx512' ? FILES.filter((f) => f.endsWith('bf16.test.ts')) : FILES;
      const r = await runVitest(isa, files);
      const summary = `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((l) => /Tests|FAIL|Error/.test(l))
        .join('\n');
      expect(r.status, summary).toBe(0);
      expect(r.stdout).toMatch(/Tests\s+\d+ passed/);
    });
  }
});
