// Issue #17 item 4: the paper's --max-new-tokens 16000 on a model with a shorter context is capped with
// one notice instead of failing; a run that failed before its first record restarts with other
// settings in the same --out. Also item 10: the tokenizer can come from another folder.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stopCas } from '../grade/cas';
import { DEFAULT_EQUIVALENCE_OPTIONS } from '../grade/equivalent';
import { PROMPT_PRESETS } from '../prompts/presets';
import { runEval, type EvalRunOptions } from '../run/eval_runner';
import { writeCharTokenizer } from '../testing/char_tokenizer';
import { writeFixtureBenchmarks } from '../testing/fixture_benchmarks';
import { DEFAULT_GENERATION_SETTINGS, type Generator } from './generator';
import { createLocalGenerator } from './local';

const FIXTURE = new URL('../../../../fixtures/tiny-qwen2', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mixdistill-context-'));
afterAll(() => {
  stopCas();
  rmSync(dir, { recursive: true, force: true });
});

describe('a model with a short context', () => {
  it('caps --max-new-tokens at what fits with one notice; a failed run restarts with other settings', async () => {
    const modelDir = join(dir, 'model');
    cpSync(FIXTURE, modelDir, { recursive: true });
    const config = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
    writeFileSync(join(modelDir, 'config.json'), JSON.stringify({ ...config, max_position_embeddings: 260 }));
    const tokenizerDir = join(dir, 'tokenizer');
    cpSync(FIXTURE, tokenizerDir, { recursive: true, filter: (f) => !f.endsWith('.safetensors') });
    writeCharTokenizer(tokenizerDir);
    expect(existsSync(join(modelDir, 'tokenizer.json'))).toBe(false);
    writeFixtureBenchmarks(join(dir, 'data'));
    const out = join(dir, 'out');
    const base: Omit<EvalRunOptions, 'generator' | 'settings'> = {
      benchmarks: ['gsm8k'],
      dataDir: join(dir, 'data'),
      limit: 1,
      outDir: out,
      model: 'short',
      prompt: PROMPT_PRESETS.paper,
      metadata: {},
      grading: DEFAULT_EQUIVALENCE_OPTIONS,
    };

    // A first attempt that fails before any record (here: the generator throws).
    const failing: Generator = {
      describe: () => ({ kind: 'failing' }),
      generate: async () => {
        throw new Error('model did not load');
      },
      close: async () => {},
    };
    await expect(
      runEval({ ...base, generator: failing, settings: { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 7 } }),
    ).rejects.toThrow('model did not load');
    expect(existsSync(join(out, 'run.json'))).toBe(true);

    const notices: string[] = [];
    const settings = { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 16000 };
    const generator = await createLocalGenerator({
      modelDir,
      tokenizerDir,
      batchSize: 1,
      settings,
      onNotice: (l) => notices.push(l),
    });
    try {
      const results = await runEval({ ...base, generator, settings });
      expect(results.benchmarks.gsm8k?.total).toBe(1);
    } finally {
      await generator.close();
    }
    expect(notices).toEqual([
      "note: --max-new-tokens 16000 does not fit the model's context (max_position_embeddings 260); each answer is capped at what fits after its prompt",
    ]);
    // With a record on disk, other settings are refused as before.
    await expect(
      runEval({ ...base, generator: failing, settings: { ...DEFAULT_GENERATION_SETTINGS, maxNewTokens: 7 } }),
    ).rejects.toThrow(/holds a run with another model, prompt or generation settings/);
  }, 60_000);
});
