import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DistillOutput, progressFileOf } from './distill_output';
import { distillStats, percentile } from './distill_stats';
import { exportSftDataset, readConversations } from './export_formats';
import type { Problem } from './problems';
import { distillProblems, type DistillTeacher } from './rejection_sampling';

const problems: Problem[] = [0, 1, 2, 3].map((i) => ({ index: i, problem: `What is ${i}+${i}?`, gold: String(2 * i) }));
/** Problem i is answered correctly on exactly the attempts listed here. */
const correctOn: Record<number, number[]> = { 0: [1, 2, 3], 1: [3], 2: [], 3: [2, 3] };

/** Answers a round's problems in order; `failOn` (problem index) throws as a dead server would. */
function scriptedTeacher(calls: string[], failOn?: number): DistillTeacher {
  return {
    name: 'scripted',
    sampleRound: async (round, attempt, onSample) => {
      for (const p of round) {
        if (p.index === failOn) throw new Error('connection reset');
        calls.push(`${p.index}:${attempt}`);
        const answer = correctOn[p.index].includes(attempt) ? p.gold : 'wrong';
        await onSample(p, { text: `reasoning… \\boxed{${answer}}`, tokens: 10 * (p.index + 1) + attempt });
      }
    },
  };
}
const grade = (text: string, gold: string) => text.endsWith(`\\boxed{${gold}}`);

describe('distillProblems', () => {
  it('keeps the first correct sample and counts attempts', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distill-')), 'd.jsonl');
    const calls: string[] = [];
    await distillProblems(problems, scriptedTeacher(calls), grade, DistillOutput.open(out), {
      attempts: 3,
      keep: 'first-correct',
    });
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const byIndex = Object.fromEntries(rows.map((r) => [r.index, r]));
    expect(Object.keys(byIndex).sort()).toEqual(['0', '1', '3']);
    expect([byIndex[0].attempts, byIndex[1].attempts, byIndex[3].attempts]).toEqual([1, 3, 2]);
    expect(byIndex[1]).toMatchObject({
      problem: 'What is 1+1?',
      solution: 'reasoning… \\boxed{2}',
      teacher: 'scripted',
      attempt: 3,
      response_tokens: 23,
      answer: '2',
    });
    expect(calls.sort()).toEqual(['0:1', '1:1', '1:2', '1:3', '2:1', '2:2', '2:3', '3:1', '3:2']);
    const progress = readFileSync(progressFileOf(out), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const stats = distillStats(rows, progress);
    expect(stats).toMatchObject({ problems: 4, problemsAccepted: 3, acceptanceRate: 0.75, samples: 9, rows: 3 });
    expect(stats.bySource.scripted).toMatchObject({ rows: 3, count: 3, max: 42, median: 23 });
    // The output is SFT-ready: the train package's reader sees problem → solution conversations.
    expect(readConversations([out], {})[0]).toEqual([
      { role: 'user', content: rows[0].problem },
      { role: 'assistant', content: rows[0].solution },
    ]);
  });

  it('keeps every correct sample with --keep all', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distill-')), 'd.jsonl');
    await distillProblems(problems, scriptedTeacher([]), grade, DistillOutput.open(out), { attempts: 3, keep: 'all' });
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => `${r.index}:${r.attempt}/${r.attempts}`)).toEqual([
      '0:1/3',
      '0:2/3',
      '0:3/3',
      '1:3/3',
      '3:2/3',
      '3:3/3',
    ]);
  });

  it('resumes after a failure without re-asking finished problems, dropping rows of unfinished ones', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'distill-')), 'd.jsonl');
    const calls: string[] = [];
    await expect(
      distillProblems(problems, scriptedTeacher(calls, 2), grade, DistillOutput.open(out), {
        attempts: 3,
        keep: 'first-correct',
      }),
    ).rejects.toThrow('connection reset');
    expect(calls).toEqual(['0:1', '1:1']); // problem 0 was accepted at once and is on disk
    // A kill between a problem's rows and its progress line, plus a torn last line.
    writeFileSync(
      out,
      `${readFileSync(out, 'utf8')}${JSON.stringify({ problem: 'x', solution: 'y', index: 3 })}\n{"probl`,
    );
    calls.length = 0;
    const resumed = DistillOutput.open(out);
    expect([...resumed.done.keys()]).toEqual([0]);
    await distillProblems(problems, scriptedTeacher(calls), grade, resumed, { attempts: 3, keep: 'first-correct' });
    expect(calls).toEqual(['1:1', '2:1', '3:1', '1:2', '2:2', '3:2', '1:3', '2:3']);
    const rows = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => `${r.index}:${r.attempts}`)).toEqual(['0:1', '3:2', '1:3']);
  });
});

describe('stats and export', () => {
  it('computes percentiles as numpy.percentile (linear)', () => {
    // numpy.percentile([1, 2, 3, 4, 10], [50, 90]) == [3.0, 7.6]
    expect(percentile([1, 2, 3, 4, 10], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 10], 90)).toBeCloseTo(7.6, 12);
  });

  it('writes LLaMA-Factory and TRL data sets from what train reads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-'));
    const input = join(dir, 'in.jsonl');
    writeFileSync(
      input,
      `${JSON.stringify({ problem: 'Q1', solution: 'A1', teacher: 't' })}\n${JSON.stringify({ instruction: 'Q2', input: '', output: 'A2', system: 'S' })}\n`,
    );
    const conversations = readConversations([input], {});
    exportSftDataset(conversations, 'llamafactory', join(dir, 'lf'), 'mix_long');
    const q1 = [
      { role: 'user', content: 'Q1' },
      { role: 'assistant', content: 'A1' },
    ];
    const q2 = [
      { role: 'system', content: 'S' },
      { role: 'user', content: 'Q2' },
      { role: 'assistant', content: 'A2' },
    ];
    expect(JSON.parse(readFileSync(join(dir, 'lf', 'mix_long.json'), 'utf8'))).toEqual([
      { messages: q1 },
      { messages: q2 },
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'lf', 'dataset_info.json'), 'utf8'))).toEqual({
      mix_long: {
        file_name: 'mix_long.json',
        formatting: 'sharegpt',
        columns: { messages: 'messages' },
        tags: {
          role_tag: 'role',
          content_tag: 'content',
          user_tag: 'user',
          assistant_tag: 'assistant',
          system_tag: 'system',
        },
      },
    });
    exportSftDataset(conversations, 'trl', join(dir, 'trl'), 'mix_long');
    const lines = readFileSync(join(dir, 'trl', 'mix_long.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([{ messages: q1 }, { messages: q2 }]);
  });
});
