// The rank-shift command end to end on the fixture checkpoints: the fixture against itself (every
// shift is zero) and against the fixture after its golden SFT steps.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Checkpoint } from '@mixdistill/core';
import { writeTunedFixture } from '@mixdistill/eval/testing';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = resolve(__dirname, '../main.ts');
const FIXTURE = resolve(__dirname, '../../../../fixtures/tiny-qwen2');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-cli-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

describe('mixdistill analyze rank-shift (CLI)', () => {
  it('reports no shift for a model against itself and writes the report files for a tuned one', async () => {
    const tuned = join(dir, 'tuned');
    writeTunedFixture(FIXTURE, tuned);
    const golden = Checkpoint.open(join(FIXTURE, 'golden.safetensors'));
    const ids = Array.from(golden.readInt32('input_ids'));
    golden.close();
    const responses = join(dir, 'responses.jsonl');
    writeFileSync(
      responses,
      [0, 1]
        .map((b) =>
          JSON.stringify({
            prompt_ids: ids.slice(b * 16, b * 16 + 4),
            response_ids: ids.slice(b * 16 + 4, b * 16 + 16),
          }),
        )
        .join('\n'),
    );

    const same = await runCli([
      'analyze',
      'rank-shift',
      '--backend',
      'cpu',
      '--base',
      FIXTURE,
      '--tuned',
      FIXTURE,
      '--responses',
      responses,
      '--min-count',
      '1',
      '--json',
    ]);
    expect(same.status, same.stderr).toBe(0);
    const sameReport = JSON.parse(same.stdout);
    expect(sameReport.totalTokens).toBe(24);
    expect(sameReport.tokens.every((t: { meanShift: number }) => t.meanShift === 0)).toBe(true);
    expect(sameReport.shares.shiftedOccurrences).toBe(0);

    const out = join(dir, 'report');
    const shifted = await runCli([
      'analyze',
      'rank-shift',
      '--backend',
      'cpu',
      '--base',
      FIXTURE,
      '--tuned',
      tuned,
      '--responses',
      responses,
      '--min-count',
      '1',
      '--top',
      '5',
      '--out',
      out,
    ]);
    expect(shifted.status, shifted.stderr).toBe(0);
    expect(shifted.stdout).toContain(
      '| token | category | count | mean base rank | median base rank | mean tuned rank | mean shift |',
    );
    // No tokenizer next to the fixture: tokens are shown by id.
    expect(shifted.stdout).toMatch(/\| `#\d+` \|/);
    for (const f of ['rank_shift.md', 'rank_shift.svg', 'tokens.jsonl']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'tokens.jsonl'), 'utf8').trim().split('\n')).toHaveLength(24);
  });

  it('exports a data set for LLaMA-Factory', async () => {
    const input = join(dir, 'sft.jsonl');
    writeFileSync(input, `${JSON.stringify({ problem: 'Q', solution: 'A' })}\n`);
    const r = await runCli(['export', '--format', 'llamafactory', '--in', input, '--out', join(dir, 'lf'), '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'llamafactory', name: 'sft', records: 1 });
    expect(JSON.parse(readFileSync(join(dir, 'lf', 'dataset_info.json'), 'utf8')).sft.file_name).toBe('sft.json');
  });
});
