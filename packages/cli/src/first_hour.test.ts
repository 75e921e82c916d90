// Issue #17, "a new user's first hour": every user-causable error it lists, fed to the CLI's main()
// with captured stdio, must end with exit code 1 and exactly one line `mixdistill: …` naming what to
// fix, never a stack trace. Also the help that reads (item 6) and the fixes that are not errors
// (item 10: a corrupt tokenizer.json does not block pre-tokenized data). Two cases run the real
// binary to check the exit code reaches the shell.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from './main';

const ROOT = path.resolve(__dirname, '../../..');
const QWEN = path.join(ROOT, 'fixtures/tiny-qwen2');
const LLAMA = path.join(ROOT, 'fixtures/tiny-llama3');
const CHAR_TOKENIZER = path.join(ROOT, 'fixtures/char-tokenizer');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-first-hour-'));
const at = (...p: string[]) => path.join(dir, ...p);

/** Runs main() with its own stdout/stderr; the handlers' direct writes to process streams are silenced. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const toStdout = (s: unknown) => {
    stdout += String(s);
    return true;
  };
  const toStderr = (s: string) => {
    stderr += s;
    return true;
  };
  const io = { stdout: { write: toStdout, isTTY: true, columns: 80 }, stderr: { write: toStderr } };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(toStdout);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args, io);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function jsonl(name: string, lines: unknown[]): string {
  const file = at(name);
  fs.writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return file;
}

const ok = (ids: number[]) => ({ input_ids: ids, labels: ids });
const data = at('data.jsonl');
const lora = at('lora');

beforeAll(async () => {
  process.env.MIXDISTILL_BACKEND = 'cpu';
  jsonl('data.jsonl', [ok([1, 2, 3, 4, 5]), ok([5, 4, 3, 2, 1])]);
  jsonl('oov.jsonl', [ok([1, 2, 3, 5]), ok([1, 2, 99999, 5])]);
  jsonl('oov-label.jsonl', [{ input_ids: [1, 2, 3], labels: [-100, 2, 448] }]);
  jsonl('other.jsonl', [ok([7, 8, 9])]);
  jsonl('text.jsonl', [{ prompt: 'a', response: 'b' }]);
  fs.writeFileSync(at('empty.jsonl'), '');
  // One GSM8K problem in the layout `data download` writes (the request fails before it is graded).
  fs.mkdirSync(at('bench', 'gsm8k'), { recursive: true });
  fs.writeFileSync(at('bench', 'gsm8k', 'test.jsonl'), `${JSON.stringify({ question: '2+2?', answer: '#### 4' })}\n`);
  // A finished run, and a LoRA adapter of tiny-qwen2 (for merge-lora into another base model).
  expect((await cli('train', '--model', QWEN, '--data', data, '--out', at('done'), '--max-steps', '1')).code).toBe(0);
  const r = await cli('train', '--model', QWEN, '--data', data, '--out', lora, '--max-steps', '1', '--lora-rank', '2');
  expect(r.code).toBe(0);
  // A model folder with a corrupt tokenizer.json.
  fs.mkdirSync(at('corrupt-tok'));
  for (const f of fs.readdirSync(QWEN)) fs.copyFileSync(path.join(QWEN, f), at('corrupt-tok', f));
  fs.writeFileSync(at('corrupt-tok', 'tokenizer.json'), '{ not json');
  // A checkpoint folder whose config.json cannot be loaded.
  fs.mkdirSync(at('bad-config'));
  fs.copyFileSync(path.join(QWEN, 'model.safetensors'), at('bad-config', 'model.safetensors'));
  fs.writeFileSync(at('bad-config', 'config.json'), '{"model_type": "qwen2", "vocab_size": -1}');
}, 120_000);
afterAll(() => {
  delete process.env.MIXDISTILL_BACKEND;
  fs.rmSync(dir, { recursive: true, force: true });
});

const train = (...more: string[]) => ['train', '--model', QWEN, '--max-steps', '1', ...more];

/** [what the user typed, what the one line must say] */
const USER_ERRORS: [string[], RegExp][] = [
  // 1. token ids and labels outside the vocabulary, at load time with file:line
  [
    train('--data', at('oov.jsonl'), '--out', at('o1')),
    /oov\.jsonl:2: "input_ids"\[2\] is 99999, outside the model's vocabulary \(vocab_size 448\) \(use --skip-bad-lines/,
  ],
  [train('--data', at('oov-label.jsonl'), '--out', at('o1')), /oov-label\.jsonl:1: "labels"\[2\] is 448, outside/],
  // 2. --out: the model folder, a finished run, another run's folder; --resume with nothing to resume
  [train('--data', data, '--out', QWEN), /--out .*tiny-qwen2 is the --model folder/],
  [train('--data', data, '--out', at('done')), /holds a finished run .*pass --overwrite/],
  [train('--data', at('other.jsonl'), '--out', at('done')), /belongs to another run \(data .*data\.jsonl\)/],
  [train('--data', data, '--out', at('fresh'), '--resume'), /--resume: no checkpoint-<step> folder/],
  // 3. a refused connection names ECONNREFUSED
  [
    [
      'eval',
      '--endpoint',
      'http://127.0.0.1:9/v1',
      '--served-model',
      'm',
      '--retries',
      '1',
      '--benchmarks',
      'gsm8k',
      '--data-dir',
      at('bench'),
      '--limit',
      '1',
      '--out',
      at('eval-refused'),
    ],
    /127\.0\.0\.1:9\/v1\/chat\/completions: no answer after 1 attempts \(.*ECONNREFUSED/,
  ],
  [
    ['eval', '--endpoint', 'http://x/v1', '--served-model', 'm', '--connect-timeout', '0', '--out', at('e2')],
    /--connect-timeout: expected seconds > 0, got 0/,
  ],
  // 6. usage errors
  // (the issue's example, "sweep", is a command now)
  [['sweeep', '--help'], /^unknown command "sweeep" \(commands: backend, train, .*; see mixdistill --help\)$/],
  [[], /^name a command \(see mixdistill --help\)$/],
  [
    train('--data', data, '--out', at('o2'), '--bogus-opt', '1'),
    /^unknown option --bogus-opt \(see mixdistill train --help\)$/,
  ],
  [train('--data', data, '--out', at('o2'), '--lr', 'abc'), /^--lr: expected a number, got "abc"$/],
  [['train', '--data', data], /^missing --model, --out \(see mixdistill train --help\)$/],
  [
    [
      'generate',
      '--model',
      QWEN,
      '--tokenizer',
      CHAR_TOKENIZER,
      '--prompt',
      'hi',
      '--temperature',
      '1',
      '--top-p',
      '2',
    ],
    /^generate: --top-p must be in \(0, 1\], got 2$/,
  ],
  // 7. one-line errors instead of stack traces
  [
    ['generate', '--model', QWEN, '--tokenizer', CHAR_TOKENIZER, '--prompt', 'hi', '--max-new-tokens', '0'],
    /^--max-new-tokens: expected a positive integer, got 0$/,
  ],
  [
    ['merge-lora', '--model', LLAMA, '--adapter', path.join(at('lora'), 'final'), '--out', at('merged')],
    /adapter_model\.safetensors: .*lora_A\.weight is \[2, 64\] but this base model needs \[2, 96\]; was the adapter trained on another --model\?/,
  ],
  // 10. text data with a corrupt tokenizer names the file
  [
    ['train', '--model', at('corrupt-tok'), '--data', at('text.jsonl'), '--out', at('o3')],
    /corrupt-tok\/tokenizer\.json: not valid JSON/,
  ],
  // smaller ones
  [train('--data', at('empty.jsonl'), '--out', at('o4')), /empty\.jsonl is empty \(no JSONL lines\)$/],
  [['inspect', at('bad-config')], /bad-config\/config\.json: field "hidden_size" must be a positive integer/],
];

describe('every user-causable error of issue #17: exit 1, one line, no stack', () => {
  it.each(USER_ERRORS.map(([args, re]) => [args.join(' '), args, re] as const))('%s', async (_, args, re) => {
    const r = await cli(...args);
    expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith('mixdistill: ')).toBe(true);
    expect(lines[0].slice('mixdistill: '.length)).toMatch(re);
    expect(r.code).toBe(1);
  });

  it('the real binary exits 1 with the same single line', () => {
    const bin = path.join(ROOT, 'packages/cli/bin/mixdistill.js');
    for (const args of [['sweeep', '--help'], train('--data', at('oov.jsonl'), '--out', at('o5'))]) {
      const r = spawnSync(process.execPath, [bin, ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, MIXDISTILL_BACKEND: 'cpu' },
      });
      expect(r.status).toBe(1);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('mixdistill'));
      expect(lines).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(at('o5'))).toBe(false); // a failed run removes the --out it created
    }
  });
});

describe('help that reads (item 6)', () => {
  it('is laid out at the terminal width without breaking words; examples stay whole', async () => {
    const r = await cli('generate', '--help');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const examples = lines.indexOf('Examples:');
    for (const l of lines.slice(0, examples)) expect(l.length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain(
      '  mixdistill generate --model ./Qwen2.5-0.5B-Instruct --chat --prompt "What is 7*8?"\n',
    );
    const t = await cli('train', '--help');
    expect(t.stdout).toContain('OUT/final');
    expect(t.stdout).toMatch(/--overwrite/);
    expect((await cli('mix', '--help')).stdout).toContain('mix.jsonl -> mix.meta.json');
  });

  it('--version is a real version', async () => {
    const r = await cli('--version');
    expect(r.stdout).toMatch(/^mixdistill \d+\.\d+\.\d+/);
  });

  it('eval and distill share the endpoint options and defaults', async () => {
    const e = (await cli('eval', '--help')).stdout;
    const d = (await cli('distill', '--help')).stdout;
    for (const flag of ['--api-key-env', '--connect-timeout', '--idle-timeout', '--request-timeout', '--retries']) {
      expect(e).toContain(flag);
      expect(d).toContain(flag);
    }
    const timeLimit = (h: string) => /--time-limit .*\[default: (\d+)\]/.exec(h.replace(/\n\s+/g, ' '))?.[1];
    expect(timeLimit(e)).toBe(timeLimit(d));
    const seed = (h: string) => /--seed .*?\[default: (\d+)\]/.exec(h.replace(/\n\s+/g, ' '))?.[1];
    expect([seed(e), seed(d), seed((await cli('train', '--help')).stdout)]).toEqual(['42', '42', '42']);
  });
});

describe('pre-tokenized data needs no tokenizer (item 10)', () => {
  it('trains although tokenizer.json is corrupt', async () => {
    const r = await cli('train', '--model', at('corrupt-tok'), '--data', data, '--out', at('o6'), '--max-steps', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
