import { MixdistillError } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DEMO, DEFAULT_TEACHER_AXIS, DEMO_SWEEP_WEIGHTS, QUICK_DEMO, studentSizes } from '@mixdistill/demo';
import { demoConfig } from './demo';

describe('mixdistill demo flags', () => {
  it('starts from the default or quick preset and applies overrides', () => {
    const d = demoConfig({ out: 'o', quick: false });
    expect(d.sizes).toEqual(DEFAULT_DEMO.sizes);
    expect(d.sizes.length).toBeGreaterThanOrEqual(3);
    expect(d.seeds).toBeGreaterThanOrEqual(3);
    expect(d.teachers).toBeUndefined();
    expect(demoConfig({ out: 'o', quick: false, seeds: 5, jobs: 1, teachers: true })).toMatchObject({
      seeds: 5,
      jobs: 1,
      teachers: DEFAULT_TEACHER_AXIS,
    });
    expect(d.budget.steps).toBe(DEFAULT_DEMO.budget.steps);
    const q = demoConfig({ out: 'o', quick: true, steps: 7, seed: 3, sizes: 'small, tiny' });
    expect(q.testProblems).toBe(QUICK_DEMO.testProblems);
    expect(q.budget).toMatchObject({ steps: 7, seed: 3, batchSize: QUICK_DEMO.budget.batchSize });
    expect(q.sizes).toEqual(['small', 'tiny']);
    // sizes run smallest first whatever the order given
    expect(studentSizes(q.sizes).map((s) => s.name)).toEqual(['tiny', 'small']);
  });

  it('runs the sweep only when asked, with the default or the given weights', () => {
    expect(demoConfig({ out: 'o', quick: false }).sweep).toBeUndefined();
    expect(demoConfig({ out: 'o', quick: true, sweep: '' }).sweep).toEqual(DEMO_SWEEP_WEIGHTS);
    expect(demoConfig({ out: 'o', quick: true, sweep: '1,0,0.5' }).sweep).toEqual([0, 0.5, 1]);
    expect(() => demoConfig({ out: 'o', quick: true, sweep: '2' })).toThrow(/--sweep: "2" is not a weight/);
  });

  it('rejects bad flags with one-line user errors', () => {
    expect(() => demoConfig({ out: 'o', quick: false, steps: 0 })).toThrow(MixdistillError);
    expect(() => demoConfig({ out: 'o', quick: false, steps: 2.5 })).toThrow(/--steps must be a positive integer/);
    expect(() => demoConfig({ out: 'o', quick: false, seed: 0.5 })).toThrow(/--seed/);
    expect(() => demoConfig({ out: 'o', quick: false, seeds: 0 })).toThrow(/--seeds must be a positive integer/);
    expect(() => demoConfig({ out: 'o', quick: false, jobs: -1 })).toThrow(/--jobs must be a non-negative integer/);
    expect(() => demoConfig({ out: 'o', quick: true, teachers: true })).toThrow(/--teachers cannot run with --quick/);
    expect(() => studentSizes(['huge'])).toThrow(/--sizes: unknown student size "huge"/);
  });
});
