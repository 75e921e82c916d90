// Issue #17 item 9: a --quick report whose students are all at 0% names no "best cell"; it says what a
// smoke test is. A real result still names its best run.
import { summarise } from '@mixdistill/sweep';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK } from './task';
import { QUICK_DEMO } from './pipeline';
import { reportMarkdown, tableRows, type ReportContext } from './report';
import type { RunResult } from './runs';

function run(kind: RunResult['kind'], correct: number): RunResult {
  return {
    size: 'tiny',
    kind,
    seed: 1,
    params: 113_000,
    steps: 40,
    trainTokens: 100,
    trainSeconds: 1,
    evalSeconds: 1,
    eval: {
      correct,
      total: 100,
      accuracy: correct,
      meanTokens: 10,
      perProblem: '1'.repeat(correct) + '0'.repeat(100 - correct),
    },
    losses: [3, 2],
    modelDir: '/nowhere',
    kernels: null,
    threads: 1,
  };
}

const ctx: ReportContext = {
  task: DEFAULT_TASK,
  budget: QUICK_DEMO.budget,
  seeds: [1],
  jobs: 1,
  trainProblems: 1000,
  testProblems: 100,
  majority: { answer: 12, accuracy: 6 },
  mixCounts: { long: 200, short: 800 },
  backend: 'cpu',
  kernels: null,
  threads: 1,
  totalSeconds: 60,
  command: 'mixdistill demo --quick',
};

describe('demo report of a smoke test', () => {
  it('says it is a smoke test instead of naming a best run at 0%', () => {
    const results = [run('short', 0), run('long', 0), run('mix', 0)];
    const md = reportMarkdown(results, tableRows(results), ctx);
    expect(md).not.toMatch(/Best run/);
    expect(md).toMatch(/No run beat that baseline: 40 steps are too few to learn the task\. This is a smoke test/);
  });

  it('names the best cell when one beats the baseline', () => {
    const results = [run('short', 40), run('long', 55), run('mix', 50)];
    expect(reportMarkdown(results, tableRows(results), ctx)).toMatch(/Best cell: tiny on long data, 55\.0%\./);
  });
});

describe('demo report with --sweep and the float settings', () => {
  it('states the kernel table and threads, and the sweep with its best weight', () => {
    const results = [run('short', 40), run('long', 55), run('mix', 50)];
    const sweep = summarise(
      [0, 0.5, 1].map((weight, i) => ({
        weight,
        drawn: { long: 0, short: 0 },
        steps: 40,
        finalLoss: 1,
        modelDir: '/nowhere',
        scores: { 'held-out (tiny)': { correct: [40, 50, 55][i], total: 100 } },
        settings: {},
      })),
      'mixdistill demo --sweep 0,0.5,1',
    );
    const md = reportMarkdown(results, tableRows(results), { ...ctx, kernels: 'avx2', threads: 2, sweep });
    expect(md).toContain('- Floats: kernel table avx2, 2 threads per run.');
    expect(md).toContain('## Mix-weight sweep');
    expect(md).toMatch(/held-out \(tiny\): best weight 1, 55\.0% .*not separated/);
    expect(md).toContain('![accuracy against the long-CoT weight](sweep/figure6.svg)');
  });
});
