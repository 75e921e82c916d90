// The runnable examples in docs/examples run here, so an API change that breaks them fails the suite.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../docs/examples/distill_mix_train_eval';

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-example-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/examples/distill_mix_train_eval.ts', () => {
  it('distils two teachers, mixes Mix-Long, trains the fixture student and evaluates it', async () => {
    const result = await main(dir);
    // The long teacher's wrong answer (9 * 9) is rejected twice; every short response is kept.
    expect(result.long).toMatchObject({ problems: 8, problemsAccepted: 7, rows: 7 });
    expect(result.short).toMatchObject({ problems: 8, problemsAccepted: 8, rows: 8 });
    // Paired on the problem: the 7 problems both teachers answered, about a fifth from the long set.
    expect(result.mix.size).toBe(7);
    expect(result.mix.sources.map((s) => s.drawn).reduce((a, b) => a + b, 0)).toBe(7);
    const mixed = readFileSync(result.mix.out, 'utf8').trim().split('\n');
    expect(mixed).toHaveLength(7);
    expect(result.training.stepsRun).toBe(3);
    expect(existsSync(join(result.training.finalDir, 'model.safetensors'))).toBe(true);
    expect(result.evaluation.benchmarks.gsm8k?.total).toBe(2);
    expect(existsSync(join(dir, 'eval', 'results.json'))).toBe(true);
    expect(result.report).toContain(join(dir, 'report', 'table.md'));
    expect(readFileSync(join(dir, 'report', 'table.md'), 'utf8')).toContain('mix-long');
  });
});
