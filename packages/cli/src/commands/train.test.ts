// `mixdistill mix` and `mixdistill train` end to end, spawned as a user runs them: the command-line
// contract (OUT/final, OUT/checkpoint-<step>, OUT/metrics.jsonl) on the golden run of tiny-qwen2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Checkpoint } from '@mixdistill/core';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURE = path.join(ROOT, 'fixtures/tiny-qwen2');
const dir = fs.mkdtempSync(path.join(tmpdir(), 'mixdistill-train-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function mixdistill(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'packages/cli/bin/mixdistill.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MIXDISTILL_BACKEND: 'cpu' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mixdistill train', () => {
  it('runs the golden settings and writes final/, checkpoint-6/ and metrics.jsonl', () => {
    const golden = Checkpoint.open(path.join(FIXTURE, 'golden.safetensors'));
    const ids = golden.readInt32('input_ids');
    const labels = golden.readInt32('labels');
    golden.close();
    const data = path.join(dir, 'golden.jsonl');
    fs.writeFileSync(
      data,
      [0, 1]
        .map((r) =>
          JSON.stringify({
            input_ids: Array.from(ids.subarray(r * 16, r * 16 + 16)),
            labels: Array.from(labels.subarray(r * 16, r * 16 + 16)),
          }),
        )
        .join('\n'),
    );
    const out = path.join(dir, 'out');
    const r = mixdistill(
      'train',
      '--model',
      FIXTURE,
      '--data',
      data,
      '--out',
      out,
      '--batch-size',
      '2',
      '--no-shuffle',
      '--lr',
      '1e-2',
      '--weight-decay',
      '0.1',
      '--warmup-steps',
      '2',
      '--max-steps',
      '6',
      '--max-grad-norm',
      '1',
      '--lr-scheduler',
      'cosine',
      '--json',
    );
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.steps_run).toBe(6);
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURE, 'golden.json'), 'utf8')).sft.losses;
    const metrics = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    metrics.forEach((m, i) => expect(Math.abs(m.loss - expected[i]) / expected[i]).toBeLessThan(1e-4));
    for (const f of [
      'final/config.json',
      'final/model.safetensors',
      'checkpoint-6/trainer_state.json',
      'checkpoint-6/optimizer.safetensors',
      'run.json',
    ]) {
      expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    }
  });

  it('prints a bad flag or a bad data line as one line, exit 1', () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"prompt": "Q", "response": "A"}\n{"prompt": "Q"}\n');
    const r = mixdistill('train', '--model', FIXTURE, '--data', bad, '--out', path.join(dir, 'bad-out'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/mixdistill: .*bad\.jsonl:2: missing field "response"/);
    const f = mixdistill(
      'train',
      '--model',
      FIXTURE,
      '--data',
      bad,
      '--out',
      path.join(dir, 'bad-out'),
      '--warmup-steps',
      '1',
      '--warmup-ratio',
      '0.1',
    );
    expect(f.status).toBe(1);
    expect(f.stderr).toMatch(/give --warmup-steps or --warmup-ratio, not both/);
  });
});

describe('mixdistill mix', () => {
  it('writes the mix and its sidecar, the same for the same seed', () => {
    for (const [name, n] of [
      ['long', 10],
      ['short', 10],
    ] as const) {
      fs.writeFileSync(
        path.join(dir, `${name}.jsonl`),
        Array.from({ length: n }, (_, i) => JSON.stringify({ problem: `p${i}`, solution: `${name}${i}` })).join('\n'),
      );
    }
    const run = (out: string) =>
      mixdistill(
        'mix',
        '--source',
        path.join(dir, 'long.jsonl:0.2'),
        '--source',
        path.join(dir, 'short.jsonl:0.8'),
        '--by',
        'problem',
        '--seed',
        '7',
        '--out',
        out,
        '--json',
      );
    const a = run(path.join(dir, 'a.jsonl'));
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).sources.map((s: { drawn: number }) => s.drawn)).toEqual([2, 8]);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'a.meta.json'), 'utf8')).seed).toBe(7);
    run(path.join(dir, 'b.jsonl'));
    expect(fs.readFileSync(path.join(dir, 'b.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(dir, 'a.jsonl'), 'utf8'));
  });
});
