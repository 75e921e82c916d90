// Issue #17 item 9: a --quick report whose students are all at 0% names no "best run"; it says what a
// smoke test is. A real result still names its best run.
import { describe, expect, it } from 'vitest';
import { DEFAULT_TASK } from './task';
import { QUICK_DEMO } from './pipeline';
import { reportMarkdown, tableRows, type ReportContext } from './report';
import type { RunResult } from './runs';

function run(kind: RunResult['kind'], correct: number): RunResult {
  return {
    size: 'tiny',
    kind,
    params: 113_000,
    steps: 40,
    trainTokens: 100,
    trainSeconds: 1,
    evalSeconds: 1,
    eval: { correct, total: 100, accuracy: correct, meanTokens: 10 },
    losses: [3, 2],
    modelDir: '/nowhere',
  };
}

const ctx: ReportContext = {
  task: DEFAULT_TASK,
  budget: QUICK_DEMO.budget,
  trainProblems: 1000,
  testProblems: 100,
  majority: { answer: 12, accuracy: 6 },
  mixCounts: { long: 200, short: 800 },
  backend: 'cpu',
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

  it('names the best run when one beats the baseline', () => {
    const results = [run('short', 40), run('long', 55), run('mix', 50)];
    expect(reportMarkdown(results, tableRows(results), ctx)).toMatch(/Best run: tiny on long CoT, 55\.0%\./);
  });
});
