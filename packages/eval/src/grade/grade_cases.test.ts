import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonl } from '../io/jsonl';
import { stopCas } from './cas';
import { gradeCases } from './grade_cases';

afterAll(() => stopCas());

describe('gradeCases', () => {
  it('keeps input fields, overwrites correct, and measures agreement against the input verdicts', () => {
    const cases = parseJsonl(
      [
        '{"id":"x","prediction":"\\\\boxed{2}","gold":"2.0","benchmark":"amc23","correct":false,"extra":1}',
        '{"prediction":"#### 5","gold":"5","benchmark":"gsm8k"}',
      ].join('\n'),
      'cases.jsonl',
    );
    const graded = gradeCases(cases, 'cases.jsonl');
    expect(graded.records[0]).toEqual({
      id: 'x',
      prediction: '\\boxed{2}',
      gold: '2.0',
      benchmark: 'amc23',
      correct: true,
      extra: 1,
      extracted: '2',
    });
    expect(graded.correct).toBe(2);
    expect(graded.agreement).toEqual({ agree: 0, total: 1, disagreements: ['x'] });
  });
  it('names the file and line of a case without a prediction', () => {
    expect(() => gradeCases(parseJsonl('\n{"gold":"1"}\n', 'c.jsonl'), 'c.jsonl')).toThrow(
      'c.jsonl:2: field "prediction" must be a string',
    );
  });
  it('reads numbers as strings and defaults the benchmark to math', () => {
    const graded = gradeCases(parseJsonl('{"prediction":"so 27","gold":27}', 'c.jsonl'), 'c.jsonl');
    expect(graded.records[0]).toMatchObject({ extracted: '27', correct: true });
  });
});
