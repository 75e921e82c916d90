// runDemo end to end at a scale of seconds with the teacher axis: data, two teachers distilled, the
// students of both axes for two seeds (one process), Table 1 and Table 2 with intervals over seeds.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { QUICK_DEMO, runDemo } from './pipeline';
import { EASY_AXIS, EASY_DATA } from './test_fixtures';

describe('runDemo with --teachers', () => {
  it('runs both axes for every seed and reports Table 1 and Table 2', async () => {
    const backend = await selectBackend();
    const out = mkdtempSync(join(tmpdir(), 'demo-teachers-'));
    const { report, resultsFile, results } = await runDemo(
      {
        ...QUICK_DEMO,
        out,
        sizes: ['micro'],
        task: EASY_DATA.task,
        trainProblems: EASY_DATA.trainProblems,
        testProblems: EASY_DATA.testProblems,
        budget: { ...QUICK_DEMO.budget, steps: 3, seed: EASY_DATA.seed, maxNewTokens: 8 },
        seeds: 2,
        jobs: 1,
        teachers: EASY_AXIS,
      },
      backend,
      'test',
    );
    expect(results.map((r) => `${r.kind}/${r.seed}`).sort()).toEqual(
      ['long', 'short', 'mix', 'small-teacher', 'large-teacher', 'mix-large']
        .flatMap((k) => [`${k}/3`, `${k}/4`])
        .sort(),
    );
    const json = JSON.parse(readFileSync(resultsFile, 'utf8'));
    expect(json.seeds).toEqual([3, 4]);
    expect(json.table1[0].accuracy.long.perSeed).toHaveLength(2);
    expect(json.table2[0].size).toBe('micro');
    const md = readFileSync(report, 'utf8');
    expect(md).toContain('## Large vs small teacher (Table 2 layout)');
    expect(md).toMatch(/\| Student \| P_large \| P_small \| P_mix \(Mix-Large\) \| Δ_large/);
    expect(md).toMatch(/Teachers \(trained here, then sampled through `distill`/);
    expect(existsSync(join(out, 'delta_teachers.svg'))).toBe(true);
  });
});
