// The rank-shift command end to end on the fixture checkpoints: the fixture against itself (every
// shift is zero), against the fixture after its golden SFT steps, and generating the responses.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Checkpoint } from '@mixdistill/core';
import { writeCharTokenizer, writeTunedFixture } from '@mixdistill/eval/testing';
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

  it('generates the responses with --prompts, one per problem in the file order', async () => {
    const base = join(dir, 'base-chars');
    cpSync(FIXTURE, base, { recursive: true });
    writeCharTokenizer(base);
    const tuned = join(dir, 'tuned-chars');
    writeTunedFixture(FIXTURE, tuned);
    writeCharTokenizer(tuned);
    // Problems of different lengths, not sorted: the responses keep the file's order.
    const problems = ['A long problem about three trains and a bridge?', 'Hi?', 'What is 12 + 30?'];
    const prompts = join(dir, 'problems.jsonl');
    writeFileSync(prompts, problems.map((problem) => JSON.stringify({ problem })).join('\n'));
    const out = join(dir, 'generated');
    const r = await runCli([
      'analyze',
      'rank-shift',
      '--base',
      base,
      '--tuned',
      tuned,
      '--prompts',
      prompts,
      '--max-new-tokens',
      '5',
      '--batch-size',
      '2',
      '--min-count',
      '1',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    const responses = readFileSync(join(out, 'responses.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { prompt_ids: number[]; response_ids: number[] });
    expect(responses).toHaveLength(3);
    const lengths = responses.map((x) => x.prompt_ids.length);
    expect(lengths[0]).toBeGreaterThan(lengths[2]);
    expect(lengths[2]).toBeGreaterThan(lengths[1]);
    for (const x of responses) expect(x.response_ids.length).toBeGreaterThan(0);
    for (const x of responses) expect(x.response_ids.length).toBeLessThanOrEqual(5);
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
