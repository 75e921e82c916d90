// The local generator end to end on the tiny Qwen2 fixture (random weights: accuracy ~0 is expected;
// the point is the pipeline: chat template, batched generation, decoding, grading, records).
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTokenizer } from '@mixdistill/models';
import { afterAll, describe, expect, it } from 'vitest';
import { stopCas } from '../grade/cas';
import { DEFAULT_EQUIVALENCE_OPTIONS } from '../grade/equivalent';
import { PROMPT_PRESETS } from '../prompts/presets';
import { runEval } from '../run/eval_runner';
import type { EvalRecord } from '../run/results';
import { writeCharTokenizer } from '../testing/char_tokenizer';
import { writeFixtureBenchmarks } from '../testing/fixture_benchmarks';
import { DEFAULT_GENERATION_SETTINGS } from './generator';
import { createLocalGenerator } from './local';

const FIXTURE = new URL('../../../../fixtures/tiny-qwen2', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-local-'));
afterAll(() => {
  stopCas();
  rmSync(dir, { recursive: true, force: true });
});

describe('local generator', () => {
  it('evaluates a fixture model folder: chat-templated prompts, batched greedy decoding, graded records', async () => {
    const modelDir = join(dir, 'model');
    cpSync(FIXTURE, modelDir, { recursive: true });
    writeCharTokenizer(modelDir);
    writeFixtureBenchmarks(join(dir, 'data'));
    const settings = { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 5 };
    const generator = await createLocalGenerator({ modelDir, batchSize: 2, settings });
    const out = join(dir, 'out');
    try {
      const results = await runEval({
        benchmarks: ['gsm8k', 'math500'],
        dataDir: join(dir, 'data'),
        limit: 2,
        outDir: out,
        model: 'tiny-qwen2',
        generator,
        prompt: PROMPT_PRESETS['qwen-math-cot'],
        settings,
        metadata: {},
        grading: DEFAULT_EQUIVALENCE_OPTIONS,
      });
      expect(results.benchmarks.gsm8k?.total).toBe(2);
      expect(results.benchmarks.math500?.total).toBe(2);
      expect(results.generator).toMatchObject({ kind: 'local', modelType: 'qwen2', batchSize: 2 });
    } finally {
      await generator.close();
    }
    const records = readFileSync(join(out, 'gsm8k.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EvalRecord);
    const tokenizer = loadTokenizer(modelDir);
    for (const r of records) {
      expect(r.prompt.startsWith('<|im_start|>system\nPlease reason step by step')).toBe(true);
      expect(r.prompt.endsWith('<|im_start|>assistant\n')).toBe(true);
      expect(r.tokens).toBeGreaterThan(0);
      expect(r.tokens).toBeLessThanOrEqual(5);
      // The response decodes from at most `tokens` ids (an end-of-sequence id is counted but not printed).
      expect(tokenizer.encode(r.response, { addSpecialTokens: false }).length).toBeLessThanOrEqual(r.tokens);
    }
  });

  it('decodes more requests than its batch continuously: each gets the text it gets alone, once', async () => {
    const modelDir = join(dir, 'model-continuous');
    cpSync(FIXTURE, modelDir, { recursive: true });
    writeCharTokenizer(modelDir);
    const settings = { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 6 };
    const questions = ['What is 2+3?', 'Solve x^2=4.', 'Hi', 'A long question about a train and a car?', '7*8?'];
    const requests = questions.map((q) => ({ messages: [{ role: 'user' as const, content: q }] }));
    const run = async (batchSize: number) => {
      const generator = await createLocalGenerator({ modelDir, batchSize, settings });
      const texts: (string | undefined)[] = new Array(requests.length);
      let seconds = 0;
      try {
        await generator.generate(requests, (index, result) => {
          expect(texts[index], `request ${index} reported twice`).toBeUndefined();
          texts[index] = result.text;
          seconds += result.seconds;
        });
      } finally {
        await generator.close();
      }
      return { texts, seconds };
    };
    const alone = await run(1);
    const together = await run(2);
    expect(together.texts).toEqual(alone.texts);
    expect(together.texts.every((t) => t !== undefined)).toBe(true);
    expect(together.seconds).toBeGreaterThan(0);
  });
});
