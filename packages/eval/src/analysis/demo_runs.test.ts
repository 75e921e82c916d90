// Issue #17 item 10: `report` and `report gap` read the demo's run folders (result.json) as they read
// eval's (results.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadRun } from '../report/runs';
import { describe, expect, it } from 'vitest';
import { readGapRunFolder } from './gap_runs';

function demoRun(root: string, size: string, kind: string, accuracy: number): string {
  const dir = path.join(root, `${size}-${kind}`);
  fs.mkdirSync(dir, { recursive: true });
  const result = { size, kind, params: 113_000, steps: 40, eval: { correct: accuracy, total: 100, accuracy } };
  fs.writeFileSync(path.join(dir, 'result.json'), JSON.stringify(result));
  return dir;
}

describe('demo run folders in reports', () => {
  it('report reads result.json as a run whose average is the held-out accuracy', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-demo-runs-'));
    const run = loadRun(demoRun(root, 'tiny', 'long', 58.6));
    expect(run.name).toBe('demo-tiny-long');
    expect(run.scores).toEqual({ Average: 58.6 });
  });

  it('report gap reads the student, kind, size and score of a demo run folder', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-demo-runs-'));
    expect(readGapRunFolder(demoRun(root, 'small', 'short', 44.8))).toEqual({
      student: 'demo-small',
      family: 'Demo',
      sizeB: 113_000 / 1e9,
      kind: 'short',
      score: 44.8,
    });
  });
});
