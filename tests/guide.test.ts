// docs/GUIDE.md cannot rot: every ```sh block of the guide runs here, in order, in one bash per block,
// on the tiny fixture student, the fixture benchmarks and local fake OpenAI-compatible teachers, with
// the guide's variables ($MODEL, $TEACHER_URL, $DATA_DIR, $RUNS, ...) set to those stand-ins and its
// size variables ($LIMIT, $MAX_STEPS, $MAX_NEW_TOKENS) set small. Each block must exit 0, and every
// `$RUNS/...` path the guide's prose names (in backticks) must exist afterwards. A renamed flag fails
// the block that uses it (the CLI is strict about flags).
//
// Speed: `mixdistill` on the blocks' PATH is a plain Node script that hands its arguments to this
// process, which runs the CLI's main() in-process (as the first-hour test does) and returns the exit
// code and output; so the TypeScript sources, tfjs and the native addon load once, not per command.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../packages/cli/src/main';
import {
  type FakeServer,
  questionIn,
  startFakeOpenAIServer,
  writeCharTokenizer,
  writeFixtureBenchmarks,
} from '@mixdistill/eval/testing';
// (a relative path: the workspace root does not depend on @mixdistill/eval, and adding it would change the lockfile)

const ROOT = resolve(__dirname, '..');
const GUIDE = readFileSync(join(ROOT, 'docs', 'GUIDE.md'), 'utf8');

/** The ```sh blocks of the guide, in order, with the heading each sits under. */
function shBlocks(markdown: string): { heading: string; code: string }[] {
  const blocks: { heading: string; code: string }[] = [];
  let heading = '(top)';
  let inBlock: string[] | null = null;
  let fence = '';
  for (const line of markdown.split('\n')) {
    if (inBlock === null) {
      const open = /^(`{3,})(\S*)\s*$/.exec(line);
      if (open) {
        fence = open[1];
        inBlock = open[2] === 'sh' ? [] : null;
        if (inBlock === null) inBlock = ['\0skip'];
      } else if (/^#{1,4} /.test(line)) heading = line.replace(/^#+ /, '');
    } else if (line.startsWith(fence) && line.trim() === fence) {
      if (inBlock[0] !== '\0skip') blocks.push({ heading, code: inBlock.join('\n') });
      inBlock = null;
    } else inBlock.push(line);
  }
  return blocks;
}

/** `$RUNS/...` paths named in backticks outside code blocks (files the guide says appear). */
function promisedPaths(markdown: string): string[] {
  const prose = markdown.replace(/^(`{3,})[^\n]*\n[\s\S]*?^\1\s*$/gm, '');
  const paths = [...prose.matchAll(/`\$RUNS\/([^`\s*<>{}…]+)`/g)].map((m) => m[1]);
  return [...new Set(paths)];
}

// The training problems: MATH-train-like records (`problem`, `solution` ending in a boxed answer).
const PROBLEMS: [string, number][] = [
  ['What is 12 + 30?', 42],
  ['What is 7 * 8?', 56],
  ['What is 100 - 37?', 63],
  ['What is 9 * 9?', 81],
  ['What is 64 / 4?', 16],
  ['What is 15 + 27?', 42],
];

const dir = mkdtempSync(join(tmpdir(), 'mixdistill-guide-test-'));
const servers: FakeServer[] = [];
let cliServer: Server | null = null;
let env: NodeJS.ProcessEnv = {};

/** A teacher answering the training problems in its style, and the fixture benchmarks with their gold. */
function teacher(style: 'long' | 'short', benchmarks: Map<string, string>): (prompt: string) => string {
  return (prompt) => {
    const known = PROBLEMS.find(([q]) => prompt.includes(q));
    if (!known) return `Final Answer: \\boxed{${benchmarks.get(questionIn(prompt, benchmarks) ?? '') ?? '0'}}`;
    const [question, answer] = known;
    return style === 'long'
      ? `Let me think step by step. ${question} Compute it: ${answer}. Wait, let me verify: ${answer} is right. Final Answer: \\boxed{${answer}}`
      : `${question.replace('What is ', '').replace('?', '')} = ${answer}. \\boxed{${answer}}`;
  };
}

/** Runs main(argv) with the output captured, handlers' direct writes to the process streams included. */
async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const toStdout = (s: unknown) => {
    stdout += String(s);
    return true;
  };
  const toStderr = (s: unknown) => {
    stderr += String(s);
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(toStdout);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(toStderr);
  try {
    const code = await main(argv, { stdout: { write: toStdout }, stderr: { write: toStderr } });
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** An HTTP endpoint taking a JSON argv and answering {code, stdout, stderr}; returns its URL. */
async function startCliServer(): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const result = await runCli(JSON.parse(body) as string[]);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  cliServer = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** Runs a block in bash -euo pipefail from the repository root (asynchronously: the fake teachers live in this process). */
function bash(code: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', code], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  const model = join(dir, 'models', 'tiny-qwen2');
  cpSync(join(ROOT, 'fixtures', 'tiny-qwen2'), model, { recursive: true });
  writeCharTokenizer(model);
  const dataDir = join(dir, 'data', 'benchmarks');
  const benchmarks = writeFixtureBenchmarks(dataDir);
  const problems = join(dir, 'data', 'train', 'math_train.jsonl');
  mkdirSync(join(dir, 'data', 'train'), { recursive: true });
  writeFileSync(
    problems,
    PROBLEMS.map(([problem, answer]) => `${JSON.stringify({ problem, solution: `So $\\boxed{${answer}}$.` })}\n`).join(
      '',
    ),
  );
  for (const style of ['long', 'short', 'short'] as const)
    servers.push(await startFakeOpenAIServer(teacher(style, benchmarks)));
  // `mixdistill` on PATH, as the guide's alias gives it: a client of the in-process CLI below.
  const cliUrl = await startCliServer();
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(
    join(bin, 'mixdistill'),
    `#!${process.execPath}\n` +
      `const res = await fetch(${JSON.stringify(cliUrl)}, { method: 'POST', body: JSON.stringify(process.argv.slice(2)) });\n` +
      'const { code, stdout, stderr } = await res.json();\n' +
      'process.stdout.write(stdout);\nprocess.stderr.write(stderr);\nprocess.exitCode = code;\n',
  );
  chmodSync(join(bin, 'mixdistill'), 0o755);
  env = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    MODEL: model,
    STUDENT: 'Qwen2.5-0.5B',
    LONG_TEACHER_URL: servers[0].endpoint,
    LONG_TEACHER: 'Qwen/QwQ-32B-Preview',
    TEACHER_URL: servers[1].endpoint,
    TEACHER: 'Qwen/Qwen2.5-72B-Instruct',
    SMALL_TEACHER_URL: servers[2].endpoint,
    SMALL_TEACHER: 'Qwen/Qwen2.5-3B-Instruct',
    DATA_DIR: dataDir,
    PROBLEMS: problems,
    RUNS: join(dir, 'runs'),
    LIMIT: '2',
    MAX_STEPS: '2',
    MAX_NEW_TOKENS: '8',
    MIXDISTILL_BACKEND: process.env.MIXDISTILL_BACKEND ?? 'native',
  };
});

afterAll(async () => {
  for (const s of servers) await s.close();
  cliServer?.closeAllConnections();
  cliServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/GUIDE.md', () => {
  const blocks = shBlocks(GUIDE);

  it('has runnable blocks and promises files', () => {
    expect(blocks.length).toBeGreaterThan(5);
    expect(promisedPaths(GUIDE).length).toBeGreaterThan(5);
  });

  for (const [i, block] of blocks.entries()) {
    it(`block ${i + 1} (${block.heading}) exits 0`, async () => {
      const run = await bash(block.code);
      expect(run.status, `${block.code}\n--- stderr:\n${run.stderr}\n--- stdout:\n${run.stdout}`).toBe(0);
    }, 300_000);
  }

  it('wrote every file the guide names under $RUNS', () => {
    const missing = promisedPaths(GUIDE).filter((p) => !existsSync(join(dir, 'runs', p)));
    expect(missing).toEqual([]);
  });
});
