import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { BenchmarkName } from '../benchmarks/names';
import { DEFAULT_GENERATION_SETTINGS } from '../generate/generator';
import { OpenAIGenerator } from '../generate/openai';
import { stopCas } from '../grade/cas';
import { DEFAULT_EQUIVALENCE_OPTIONS } from '../grade/equivalent';
import { PROMPT_PRESETS } from '../prompts/presets';
import { startFakeOpenAIServer, type FakeServer } from '../testing/fake_openai_server';
import { FIXTURE_PROBLEMS, questionIn, writeFixtureBenchmarks } from '../testing/fixture_benchmarks';
import { runEval } from './eval_runner';
import type { EvalRecord } from './results';

const ALL: BenchmarkName[] = ['gsm8k', 'math', 'math500', 'aime24', 'amc23', 'olympiadbench'];
const TOTAL = Object.values(FIXTURE_PROBLEMS).reduce((s, p) => s + p.length, 0);

let dir = '';
let server: FakeServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});
afterAll(() => stopCas());

async function run(
  answer: (user: string) => string,
  opts: {
    failFirst?: number;
    limit?: number;
    out?: string;
    meta?: Record<string, number>;
    judge?: boolean;
    /** what the generator says its weights are (a local model's `weights`) */
    weights?: string;
  } = {},
) {
  dir ||= mkdtempSync(join(tmpdir(), 'mixdistill-eval-'));
  const answers = writeFixtureBenchmarks(join(dir, 'data'));
  // Judge prompts are answered "yes"; problem prompts by `answer`.
  server ??= await startFakeOpenAIServer(
    (user) =>
      user.startsWith('You are checking') ? 'Yes.' : answer(answers.get(questionIn(user, answers) ?? '') ?? ''),
    { failFirst: opts.failFirst },
  );
  const settings = { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 64 };
  const generator = new OpenAIGenerator({
    endpoint: server.endpoint,
    servedModel: 'fake',
    concurrency: 3,
    timeoutMs: 5000,
    retries: 3,
    backoffMs: 1,
    settings,
  });
  if (opts.weights) {
    const describe = generator.describe.bind(generator);
    generator.describe = () => ({ ...describe(), weights: opts.weights });
  }
  const outDir = opts.out ?? join(dir, 'out');
  const results = await runEval({
    benchmarks: ALL,
    dataDir: join(dir, 'data'),
    limit: opts.limit,
    outDir,
    model: 'fake',
    generator,
    prompt: PROMPT_PRESETS.paper,
    settings,
    metadata: opts.meta ?? {},
    grading: DEFAULT_EQUIVALENCE_OPTIONS,
    judge: opts.judge
      ? new OpenAIGenerator({
          endpoint: server.endpoint,
          servedModel: 'judge',
          concurrency: 1,
          timeoutMs: 5000,
          retries: 1,
          backoffMs: 1,
          settings,
        })
      : undefined,
  });
  return { results, outDir };
}

describe('runEval against an OpenAI-compatible server', () => {
  it('scores 100% when every answer is the gold written another way', async () => {
    const { results, outDir } = await run((eq) => `Some reasoning.\n\nFinal Answer: $\\boxed{${eq}}$`, {
      failFirst: 2,
      meta: { mixWeight: 0.2 },
    });
    for (const name of ALL) {
      expect(results.benchmarks[name], name).toMatchObject({
        accuracy: 100,
        correct: FIXTURE_PROBLEMS[name].length,
        total: FIXTURE_PROBLEMS[name].length,
      });
    }
    expect(results.average).toBe(100);
    expect(results.averageOver).toEqual(['math', 'amc23', 'gsm8k', 'olympiadbench', 'aime24']);
    expect(results.benchmarks.math?.byLevel?.['5']).toEqual({ accuracy: 100, correct: 1, total: 1 });
    expect(Object.keys(results.benchmarks.math?.bySubject ?? {})).toEqual([
      'algebra',
      'intermediate_algebra',
      'precalculus',
    ]);
    expect(results.benchmarks.gsm8k?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(results.metadata).toEqual({ mixWeight: 0.2 });
    // 2 failed attempts were retried: one request per problem plus the two 503s.
    expect(server!.requests()).toBe(TOTAL + 2);
    // The paper prompt went through as the user message.
    expect(String((server!.bodies[0].messages as { content: string }[])[0].content)).toMatch(
      /^Solve the following math problem/,
    );
    const saved = JSON.parse(readFileSync(join(outDir, 'results.json'), 'utf8'));
    expect(saved.benchmarks.gsm8k.accuracy).toBe(100);
    const record = JSON.parse(readFileSync(join(outDir, 'gsm8k.jsonl'), 'utf8').split('\n')[0]) as EvalRecord;
    expect(Object.keys(record)).toEqual([
      'id',
      'benchmark',
      'prompt',
      'response',
      'extracted',
      'gold',
      'correct',
      'tokens',
      'seconds',
    ]);
    expect(readFileSync(join(outDir, 'results.md'), 'utf8')).toContain('| GSM8K | 100.0 |');
  });

  it('scores 0% when every answer is a wrong number', async () => {
    const { results } = await run(() => 'Final Answer: \\boxed{987654}');
    for (const name of ALL) expect(results.benchmarks[name]?.accuracy, name).toBe(0);
    expect(results.average).toBe(0);
  });

  it('records the optional LLM judge separately from the rule-based verdict', async () => {
    const { results, outDir } = await run(() => 'Final Answer: \\boxed{987654}', { judge: true, limit: 1 });
    expect(results.benchmarks.aime24).toMatchObject({ accuracy: 0, correct: 0, judgedCorrect: 1, judgedAccuracy: 100 });
    expect(results.judge).toMatchObject({ kind: 'openai', servedModel: 'judge' });
    const record = JSON.parse(readFileSync(join(outDir, 'aime24.jsonl'), 'utf8')) as EvalRecord;
    expect(record).toMatchObject({ correct: false, judged: true });
    expect(readFileSync(join(outDir, 'results.md'), 'utf8')).toContain('| AIME with the LLM judge | 100.0 | 1 | 1 | |');
    // One problem request and one judge request per benchmark.
    expect(server!.requests()).toBe(2 * ALL.length);
  });

  it('resumes: a rerun with more problems only asks for the new ones', async () => {
    await run((eq) => `\\boxed{${eq}}`, { limit: 1 });
    expect(server!.requests()).toBe(ALL.length);
    const { results } = await run((eq) => `\\boxed{${eq}}`);
    expect(server!.requests()).toBe(TOTAL);
    expect(results.average).toBe(100);
  });

  it('refuses to resume with weights of another dtype (bf16 and f32 logits differ)', async () => {
    await run((eq) => `\\boxed{${eq}}`, { limit: 1, weights: 'f32' });
    await expect(run((eq) => `\\boxed{${eq}}`, { weights: 'bf16' })).rejects.toThrow(
      /holds a run with another model, prompt or generation settings \(or weights of another --dtype\)/,
    );
  });
});
