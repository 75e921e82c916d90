// End to end through the CLI process: `mixdistill eval` against a local OpenAI-compatible server,
// killed midway (SIGKILL) and rerun: the rerun only requests the problems not yet written.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { questionIn, startFakeOpenAIServer, writeFixtureBenchmarks } from '@mixdistill/eval/testing';
import { evalCommand } from './eval';

const MAIN = resolve(__dirname, '../main.ts');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-cli-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

function lineCount(file: string): number {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length
    : 0;
}

describe('mixdistill eval (CLI)', () => {
  it('survives a kill midway and finishes on rerun without redoing finished problems', async () => {
    const answers = writeFixtureBenchmarks(join(dir, 'data'));
    // Slow answers so that the kill lands while problems remain.
    const server = await startFakeOpenAIServer(
      (user) => `\\boxed{${answers.get(questionIn(user, answers) ?? '') ?? ''}}`,
      { delayMs: 150 },
    );
    const out = join(dir, 'run');
    const records = join(out, 'math.jsonl');
    const args = [
      '--import',
      'tsx',
      MAIN,
      'eval',
      '--endpoint',
      server.endpoint,
      '--served-model',
      'fake',
      '--concurrency',
      '1',
      '--benchmarks',
      'math',
      '--data-dir',
      join(dir, 'data'),
      '--out',
      out,
    ];
    try {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise((r) => child.on('exit', r));
      const deadline = Date.now() + 60_000;
      while (lineCount(records) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      child.kill('SIGKILL');
      await exited;
      const written = lineCount(records);
      expect(written).toBeGreaterThanOrEqual(2);
      expect(written).toBeLessThan(4);
      const before = server.requests();
      // Not spawnSync: the server lives in this process and must keep answering.
      const rerun = await runAsync([...args, '--json']);
      expect(rerun.status, rerun.stderr).toBe(0);
      expect(server.requests() - before).toBe(4 - written);
      const results = JSON.parse(rerun.stdout);
      expect(results.benchmarks.math).toMatchObject({ accuracy: 100, correct: 4, total: 4 });
      expect(lineCount(records)).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('rejects an unknown benchmark before starting anything', async () => {
    // The handler itself (no process): user errors are MixdistillErrors that main prints as one line.
    const argv = { endpoint: 'http://127.0.0.1:9/v1', 'served-model': 'x', benchmarks: 'mmlu', out: join(dir, 'x') };
    await expect((evalCommand.handler as (a: unknown) => Promise<void>)(argv)).rejects.toThrow(
      '--benchmarks: unknown "mmlu" (expected some of gsm8k, math, math500, aime24, amc23, olympiadbench)',
    );
    await expect((evalCommand.handler as (a: unknown) => Promise<void>)({ ...argv, model: 'm' })).rejects.toThrow(
      'give exactly one of --model DIR or --endpoint URL',
    );
  });
});
