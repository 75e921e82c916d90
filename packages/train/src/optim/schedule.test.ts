import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { learningRate, warmupStepsFromRatio } from './schedule';

const golden = JSON.parse(
  readFileSync(new URL('../../../../fixtures/tiny-qwen2/golden.json', import.meta.url), 'utf8'),
);

describe('learning-rate schedules', () => {
  it('cosine with warm-up matches the learning rates transformers produced for the golden run', () => {
    const cfg = { name: 'cosine' as const, lr: 1e-2, warmupSteps: 2, totalSteps: 6 };
    golden.sft.lrs.forEach((lr: number, step: number) => expect(learningRate(cfg, step)).toBeCloseTo(lr, 12));
  });
  it('linear decays to 0 at the last step, constant stays after warm-up', () => {
    const lin = { name: 'linear' as const, lr: 1, warmupSteps: 1, totalSteps: 5 };
    expect([0, 1, 2, 3, 4, 5].map((s) => learningRate(lin, s))).toEqual([0, 1, 0.75, 0.5, 0.25, 0]);
    const c = { name: 'constant' as const, lr: 2, warmupSteps: 2, totalSteps: 5 };
    expect([0, 1, 2, 4].map((s) => learningRate(c, s))).toEqual([0, 1, 2, 2]);
  });
  it('rounds warm-up ratios up', () => {
    expect(warmupStepsFromRatio(0.03, 100)).toBe(3);
    expect(warmupStepsFromRatio(0.1, 15)).toBe(2);
  });
});
