// End to end through the CLI process: `mixdistill sweep` on the tiny Qwen2 fixture (with eval's
// character tokenizer) over three weights, a few training steps each, evaluated on the fixture
// benchmarks; then a rerun that skips every finished weight, and one that finishes a weight whose
// result.json is missing without training it again; a rerun with another learning rate is refused.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeCharTokenizer, writeFixtureBenchmarks } from '@mixdistill/eval/testing';
import { parseWeights } from '@mixdistill/sweep';

const MAIN = resolve(__dirname, '../main.ts');
const FIXTURE = resolve(__dirname, '../../../../fixtures/tiny-qwen2');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-cli-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the CLI in a child process. Not spawnSync: a worker blocked for the whole sweep cannot answer
 * vitest's RPC, which times out on a loaded machine.
 */
function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

/** Long and short sets over the same problems (paired on `problem`). */
function writeSets(): { long: string; short: string } {
  const problems = Array.from({ length: 6 }, (_, i) => ({ problem: `What is ${i} + ${i + 1}?`, answer: 2 * i + 1 }));
  const long = join(dir, 'long.jsonl');
  const short = join(dir, 'short.jsonl');
  writeFileSync(
    long,
    problems
      .map(
        (p) => `${JSON.stringify({ ...p, solution: `Let me think. ${p.problem} Check: yes. \\boxed{${p.answer}}` })}\n`,
      )
      .join(''),
  );
  writeFileSync(short, problems.map((p) => `${JSON.stringify({ ...p, solution: `\\boxed{${p.answer}}` })}\n`).join(''));
  return { long, short };
}

describe('mixdistill sweep (CLI)', () => {
  it('parses --weights into ascending unique weights in [0, 1]', () => {
    expect(parseWeights('1, 0,0.2')).toEqual([0, 0.2, 1]);
    expect(() => parseWeights('0,1.5')).toThrow(/--weights: "1.5" is not a weight in \[0, 1\]/);
    expect(() => parseWeights('0.2,0.2')).toThrow(/repeats a weight/);
    expect(() => parseWeights(',')).toThrow(/at least one weight/);
  });

  it('mixes, trains and evaluates each weight, writes Figure 6 and the summary, and resumes', async () => {
    const model = join(dir, 'student');
    cpSync(FIXTURE, model, { recursive: true });
    writeCharTokenizer(model);
    const dataDir = join(dir, 'benchmarks');
    writeFixtureBenchmarks(dataDir);
    const { long, short } = writeSets();
    const out = join(dir, 'sweep');
    const args = [
      'sweep',
      '--model',
      model,
      '--long',
      long,
      '--short',
      short,
      '--mix-by',
      'problem',
      '--weights',
      '0,0.5,1',
      '--max-steps',
      '2',
      '--batch-size',
      '2',
      '--lr',
      '1e-3',
      '--benchmarks',
      'gsm8k,math',
      '--data-dir',
      dataDir,
      '--limit',
      '2',
      '--max-new-tokens',
      '6',
      '--eval-batch-size',
      '2',
      '--out',
      out,
      '--json',
    ];
    const first = await run(args);
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.weights).toEqual([0, 0.5, 1]);
    expect(summary.sets).toEqual(['gsm8k', 'math', 'average']);
    expect(summary.intervals).toMatch(/Wilson/);
    for (const set of summary.sets) {
      expect(summary.points[set]).toHaveLength(3);
      for (const p of summary.points[set]) expect(p.low).toBeLessThanOrEqual(p.high);
      expect(summary.weights).toContain(summary.best[set].weight);
    }
    for (const w of ['w0', 'w0.5', 'w1']) {
      for (const f of ['mix.jsonl', 'mix.meta.json', 'train/final/config.json', 'eval/results.json', 'result.json'])
        expect(existsSync(join(out, w, f)), `${w}/${f}`).toBe(true);
    }
    // The mix follows the weight: w0 all short, w1 all long, every weight the same 6 problems.
    const drawn = summary.runs.map((r: { drawn: { long: number; short: number } }) => r.drawn);
    expect(drawn).toEqual([
      { long: 0, short: 6 },
      { long: 3, short: 3 },
      { long: 6, short: 0 },
    ]);
    const svg = readFileSync(join(out, 'figure6.svg'), 'utf8');
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('weight of long CoT in the mix');
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('| long-CoT weight | gsm8k | math | average |');
    expect(md).toContain('## Best weight');

    // A rerun redoes nothing.
    const trained = statSync(join(out, 'w1/train/metrics.jsonl')).mtimeMs;
    const second = await run(args);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stderr.match(/finished, skipped/g)).toHaveLength(3);
    expect(JSON.parse(second.stdout).points).toEqual(summary.points);

    // A weight stopped after training (no result.json) is finished without training again.
    rmSync(join(out, 'w1/result.json'));
    const third = await run(args);
    expect(third.status, third.stderr).toBe(0);
    expect(third.stderr.match(/finished, skipped/g)).toHaveLength(2);
    expect(statSync(join(out, 'w1/train/metrics.jsonl')).mtimeMs).toBe(trained);
    expect(JSON.parse(third.stdout).points).toEqual(summary.points);

    // Other settings never reuse a finished weight's result: refused with the setting named.
    const lr = args.indexOf('--lr');
    const changed = await run([...args.slice(0, lr + 1), '2e-3', ...args.slice(lr + 2)]);
    expect(changed.status).toBe(1);
    expect(changed.stderr).toMatch(/w0\/result\.json was made with another train\.lr; rerun with the same settings/);
  });

  it('lists its options and examples in --help, the training ones from the one table', async () => {
    const help = await run(['sweep', '--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--weights', '--long', '--short', '--benchmarks', '--lr', '--lora-rank', '--max-steps'])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).not.toContain('--data ');
    expect(help.stdout).toContain('Examples:');
  });
});
