// End to end through the CLI process: `mixdistill distill` against a local OpenAI-compatible server
// whose answers are right on some attempts and wrong on others, killed midway (SIGKILL) and rerun.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = resolve(__dirname, '../main.ts');
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-cli-distill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** MATH-style problems: the gold answer is the last \boxed{} of the solution. */
const PROBLEMS = [
  { problem: 'Compute $2+3$.', solution: 'We add: $2+3=\\boxed{5}$.', correctOn: [1], answer: '5' },
  { problem: 'What is half of one?', solution: 'It is $\\boxed{\\frac{1}{2}}$.', correctOn: [3], answer: '0.5' },
  { problem: 'Compute $7\\cdot 6$.', solution: 'The product is $\\boxed{42}$.', correctOn: [], answer: '42' },
  { problem: 'Solve $x+1=4$.', solution: 'So $x=\\boxed{3}$.', correctOn: [2], answer: '3' },
];

/**
 * A chat-completions server: attempt k of a problem arrives with seed k − 1 (distill with --seed 0); it answers correctly only on that problem's `correctOn` attempts. `hangOn` names a
 * problem whose first request is never answered (the test kills the client there).
 */
async function startTeacherServer(hangOn?: number) {
  const requests = PROBLEMS.map(() => 0);
  let hung: () => void = () => {};
  const hungRequest = new Promise<void>((r) => (hung = r));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { messages: { role: string; content: string }[]; seed?: number };
      const user = parsed.messages.filter((m) => m.role === 'user').pop()?.content ?? '';
      const i = PROBLEMS.findIndex((p) => user.includes(p.problem));
      requests[i]++;
      if (i === hangOn) {
        hung();
        return;
      }
      const attempt = (parsed.seed ?? 0) + 1;
      const p = PROBLEMS[i];
      const content = `Let me think step by step.\nFinal Answer: \\boxed{${p.correctOn.includes(attempt) ? p.answer : '999'}}`;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content } }],
          usage: { completion_tokens: 10 + i },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    hungRequest,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs the CLI without blocking this process's event loop (the test's server lives in it). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
}

describe('mixdistill distill (CLI)', () => {
  it('keeps only correct responses, counts attempts, and resumes after a kill without re-asking finished problems', async () => {
    const problemsFile = join(dir, 'problems.jsonl');
    writeFileSync(
      problemsFile,
      PROBLEMS.map(({ problem, solution }) => JSON.stringify({ problem, solution, level: 'Level 1' })).join('\n'),
    );
    const out = join(dir, 'long_cot.jsonl');
    const args = (endpoint: string) => [
      '--import',
      'tsx',
      MAIN,
      'distill',
      '--endpoint',
      endpoint,
      '--served-model',
      'teacher-32b',
      '--problems',
      problemsFile,
      '--attempts',
      '3',
      '--concurrency',
      '1',
      '--retries',
      '1',
      '--seed',
      '0',
      '--out',
      out,
    ];

    // First run: round 1 asks problems 0, 1, 2 in order; the server never answers problem 2.
    const hanging = await startTeacherServer(2);
    try {
      const child = spawn(process.execPath, args(hanging.endpoint), { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise((r) => child.on('exit', r));
      await Promise.race([hanging.hungRequest, exited]);
      child.kill('SIGKILL');
      await exited;
      expect(hanging.requests).toEqual([1, 1, 1, 0]);
    } finally {
      await hanging.close();
    }
    // Problem 0 was accepted on its first attempt and is on disk; problem 1 was unfinished.
    expect(jsonl(out).map((r) => r.index)).toEqual([0]);

    const server = await startTeacherServer();
    try {
      const rerun = await runCli([...args(server.endpoint), '--json']);
      expect(rerun.status, rerun.stderr).toBe(0);
      // Finished problem 0 is not asked again; 1 needs 3 attempts, 2 is rejected 3 times, 3 needs 2.
      expect(server.requests).toEqual([0, 3, 3, 2]);
      const rows = jsonl(out);
      expect(rows.map((r) => [r.index, r.attempts])).toEqual([
        [0, 1],
        [3, 2],
        [1, 3],
      ]);
      // "0.5" was graded equal to the gold \frac{1}{2} by the eval grader.
      expect(rows[2]).toMatchObject({
        problem: 'What is half of one?',
        solution: 'Let me think step by step.\nFinal Answer: \\boxed{0.5}',
        teacher: 'teacher-32b',
        response_tokens: 11,
        answer: '\\frac{1}{2}',
      });
      const stats = JSON.parse(rerun.stdout);
      expect(stats).toMatchObject({ problems: 4, problemsAccepted: 3, acceptanceRate: 0.75, rows: 3 });
      expect(stats.bySource['teacher-32b']).toMatchObject({ rows: 3, max: 13, median: 11 });
    } finally {
      await server.close();
    }
  });
});
