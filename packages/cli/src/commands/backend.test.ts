// `mixdistill backend` end to end: the cuda backend is tried first and, where it cannot be used,
// named with its reason; asking for it explicitly fails with one `mixdistill: …` line.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../../../..');

function mixdistill(...args: string[]) {
  const env = { ...process.env };
  delete env.MIXDISTILL_BACKEND;
  const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/mixdistill.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mixdistill backend', () => {
  it('--json names cuda first: picked, or skipped with its reason', () => {
    const r = mixdistill('backend', '--json');
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout) as { name: string; skipped: string[]; fallbacks: unknown };
    if (info.name !== 'cuda') expect(info.skipped[0]).toMatch(/^cuda unavailable: \S/);
    // Fallback counts: an object on cuda (empty before any work), null where a backend has no fallback.
    expect(info.fallbacks).toEqual(info.name === 'cuda' ? {} : null);
  });

  it('prints the fallback counts in text', () => {
    const r = mixdistill('backend', '--backend', 'cpu');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}fallbacks: not applicable$/m);
  });

  it('--precision bf16 on a backend without it fails with one line', () => {
    const r = mixdistill('backend', '--backend', 'cpu', '--precision', 'bf16');
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(
      'mixdistill: --precision bf16: the cpu backend computes fp32 only; use --backend cuda or native, or leave --precision out',
    );
  });

  it('--backend cuda picks cuda, or fails with one line saying why', () => {
    const r = mixdistill('backend', '--backend', 'cuda');
    if (r.status === 0) return; // a GPU and cuBLAS are usable here
    expect(r.status).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('mixdistill:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^mixdistill: cuda unavailable: /);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
