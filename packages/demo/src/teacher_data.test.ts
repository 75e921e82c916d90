// The teacher axis end to end at a scale of seconds: two tiny teachers memorise a dozen easy problems,
// are sampled through `distill`, and their rows are written and mixed as Mix-Large; a rerun reuses
// every finished stage.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MixdistillError, selectBackend } from '@mixdistill/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { prepareData } from './data';
import { prepareTeacherData, type TeacherData } from './teacher_data';
import { EASY_AXIS as AXIS, EASY_DATA as DATA } from './test_fixtures';

function rows(file: string): { id: string; teacher: string; solution: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

describe('prepareTeacherData', () => {
  const out = mkdtempSync(join(tmpdir(), 'teacher-data-'));
  const dir = join(out, 'teachers');
  const data = prepareData(join(out, 'data'), DATA);
  let first: TeacherData;

  beforeAll(async () => {
    await selectBackend();
    first = await prepareTeacherData(dir, data, AXIS);
  });

  it('writes each teacher rows for the problems both solved, in its own style', () => {
    expect(first.problems.total).toBe(DATA.trainProblems);
    expect(first.problems.both).toBeGreaterThan(0);
    const small = rows(first.trainFiles.small);
    const large = rows(first.trainFiles.large);
    expect(small.length).toBe(first.problems.both);
    expect(large.map((r) => r.id)).toEqual(small.map((r) => r.id));
    expect(new Set(small.map((r) => r.teacher))).toEqual(new Set(['small-teacher']));
    expect(new Set(large.map((r) => r.teacher))).toEqual(new Set(['large-teacher']));
    // The large teacher learned the elaborate style (elaborate_solution.ts), the small one the short CoT.
    expect(large.every((r) => /starts with/.test(r.solution))).toBe(true);
    expect(small.every((r) => !/starts with/.test(r.solution))).toBe(true);
    for (const role of ['small', 'large'] as const) {
      const stats = first.teachers[role];
      expect(stats.acceptance).toBeCloseTo(first.problems[role] / DATA.trainProblems, 6);
      expect(stats.meanResponseTokens).toBeGreaterThan(0);
      expect(stats.heldOut.total).toBe(DATA.testProblems);
    }
  });

  it('mixes 0.2 large + 0.8 small, one response per shared problem', () => {
    const mix = rows(first.trainFiles.mixLarge);
    const n = first.problems.both;
    expect(mix.map((r) => r.id).sort()).toEqual(
      rows(first.trainFiles.small)
        .map((r) => r.id)
        .sort(),
    );
    const large = mix.filter((r) => r.teacher === 'large-teacher').length;
    expect(Math.abs(large - 0.2 * n)).toBeLessThanOrEqual(1);
    expect(mix.length - large).toBe(mix.filter((r) => r.teacher === 'small-teacher').length);
  });

  it('reuses every finished stage on a rerun', async () => {
    expect(await prepareTeacherData(dir, data, AXIS)).toEqual(first);
    // Without the final stamp and one teacher's stats, the models and samples are still reused.
    const model = join(dir, 'teachers', 'large', 'train', 'final', 'model.safetensors');
    const distilled = join(dir, 'teachers', 'large', 'distilled.jsonl');
    const before = [statSync(model).mtimeMs, readFileSync(distilled, 'utf8')];
    rmSync(join(dir, 'teacher_data.json'));
    rmSync(join(dir, 'teachers', 'large', 'stats.json'));
    const again = await prepareTeacherData(dir, data, AXIS);
    expect([statSync(model).mtimeMs, readFileSync(distilled, 'utf8')]).toEqual(before);
    expect(again.problems).toEqual(first.problems);
    expect(rows(again.trainFiles.mixLarge)).toEqual(rows(first.trainFiles.mixLarge));
    expect(existsSync(join(dir, 'teacher_data.json'))).toBe(true);
  });

  it('refuses a folder started with other options', async () => {
    await expect(prepareTeacherData(dir, data, { ...AXIS, attempts: 2 })).rejects.toThrow(MixdistillError);
  });
});
