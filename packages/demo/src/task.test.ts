import { describe, expect, it } from 'vitest';
import { applyOperation, combinationKey, DEFAULT_TASK, generateProblems, splitOf } from './task';

describe('demo task generator', () => {
  const train = generateProblems(DEFAULT_TASK, { split: 'train', count: 3000, seed: 3 });
  const test = generateProblems(DEFAULT_TASK, { split: 'test', count: 500, seed: 3, unique: true });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = generateProblems(DEFAULT_TASK, { split: 'train', count: 3000, seed: 3 });
    expect(again).toEqual(train);
    const other = generateProblems(DEFAULT_TASK, { split: 'train', count: 50, seed: 4 });
    expect(other.map((p) => p.text)).not.toEqual(train.slice(0, 50).map((p) => p.text));
  });

  it('keeps held-out number combinations out of training, for any seed', () => {
    const trainKeys = new Set(train.map((p) => p.key));
    for (const seed of [5, 6]) {
      for (const p of generateProblems(DEFAULT_TASK, { split: 'train', count: 2000, seed })) trainKeys.add(p.key);
    }
    expect(test.filter((p) => trainKeys.has(p.key))).toEqual([]);
    expect(new Set(test.map((p) => p.key)).size).toBe(test.length);
    for (const p of test) expect(splitOf(p.key, DEFAULT_TASK)).toBe('test');
  });

  it('computes every value exactly and stays within the configured difficulty', () => {
    for (const p of [...train, ...test]) {
      expect(p.key).toBe(combinationKey(p.start, p.ops));
      expect(p.ops.length).toBeGreaterThanOrEqual(DEFAULT_TASK.minOps);
      expect(p.ops.length).toBeLessThanOrEqual(DEFAULT_TASK.maxOps);
      let v = p.start;
      p.ops.forEach((op, i) => {
        v = applyOperation(v, op);
        expect(p.values[i]).toBe(v);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(DEFAULT_TASK.maxValue);
      });
      expect(p.answer).toBe(v);
      expect(p.text).toBe(p.sentences.join(' '));
      expect(p.sentences).toHaveLength(p.ops.length + 2);
      // every number of the combination is written in the problem text
      for (const op of p.ops.filter((o) => o.kind !== 'mul')) expect(p.text).toContain(` ${op.operand}`);
      expect(p.text).toContain(` ${p.start} `);
    }
  });

  it('uses every step count and several phrasings', () => {
    const counts = new Set(train.map((p) => p.ops.length));
    expect([...counts].sort()).toEqual([2, 3, 4]);
    const openings = new Set(train.map((p) => p.text.split(' ').slice(1, 3).join(' ')));
    expect(openings.size).toBeGreaterThanOrEqual(3);
    expect(new Set(train.map((p) => p.text.slice(p.text.lastIndexOf('.') + 2))).size).toBeGreaterThan(10);
  });
});
