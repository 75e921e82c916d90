import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradeCommand } from './grade';

const MAIN = resolve(__dirname, '../main.ts');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-cli-grade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const grade = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'grade', ...args], { encoding: 'utf8' });

describe('mixdistill grade (CLI)', () => {
  it('keeps every input field, sets extracted/correct and reports agreement with the input verdicts', () => {
    const input = join(dir, 'cases.jsonl');
    const cases = [
      { id: 'a', prediction: 'so \\boxed{\\dfrac{1}{2}}', gold: '0.5', benchmark: 'math', correct: true, note: 'kept' },
      { id: 'b', prediction: 'Final Answer: 10', gold: '0.1', benchmark: 'math', correct: true },
      { id: 'c', prediction: 'x\n#### 1,450', gold: '1450', benchmark: 'gsm8k' },
    ];
    writeFileSync(input, cases.map((c) => `${JSON.stringify(c)}\n`).join(''));
    const out = join(dir, 'verdicts.jsonl');
    const r = grade('--in', input, '--out', out, '--json');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      cases: 3,
      correct: 2,
      agreement: { agree: 1, total: 2, disagreements: ['b'] },
    });
    const verdicts = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(verdicts[0]).toEqual({ ...cases[0], extracted: '\\dfrac{1}{2}', correct: true });
    expect(verdicts[1]).toMatchObject({ id: 'b', extracted: '10', correct: false });
    expect(verdicts[2]).toMatchObject({ id: 'c', extracted: '1,450', correct: true });
  });

  it('names the file and line of a broken JSONL line', () => {
    const input = join(dir, 'broken.jsonl');
    writeFileSync(input, '{"prediction":"1","gold":"1"}\n{"prediction": \n');
    // The handler itself (no process): main prints this MixdistillError as one line.
    expect(() => (gradeCommand.handler as (a: unknown) => void)({ in: input, 'time-limit': 5000 })).toThrow(
      new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`),
    );
  });
});
