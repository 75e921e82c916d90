// A decoding step through every layer as one native kernel (MdDecoderLayers) against the layers
// composed of the separate ops, on the fixtures with bf16 and with float32 weights (these also with
// the backend's products at bf16 precision): the same tokens and the same logits, bit for bit.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { activatableBackends, setNativePrecision, tf } from '@mixdistill/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadModel } from '../weights/load_model';
import { generate } from './generate';
import { KVCache } from './kv_cache';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, '../../../../fixtures');
const PROMPT = [5, 17, 42, 9, 100, 3];
const STEPS = 16;

const backends = await activatableBackends();

describe.skipIf(!backends.includes('native'))('decoding steps as one kernel for all layers (native)', () => {
  afterEach(() => setNativePrecision('fp32'));
  it.each([
    ['tiny-qwen2', 'bf16', 'fp32'],
    ['tiny-qwen2', 'f32', 'fp32'],
    ['tiny-qwen2', 'f32', 'bf16'],
    ['tiny-llama3', 'bf16', 'fp32'],
    ['tiny-llama3', 'f32', 'fp32'],
  ] as const)(
    '%s, %s weights, %s products: the fused layers give the tokens and logits of the composed ones, batched and left-padded',
    async (fixture, dtype, precision) => {
      await tf.setBackend('native');
      setNativePrecision(precision);
      // Each cached step is one addon call for the whole stack (a step whose kernel did not apply
      // would run the composition on both sides, and pass for nothing).
      const addon = (tf.backend() as unknown as { addon: { decoderLayers: (...a: unknown[]) => void } }).addon;
      const calls = vi.spyOn(addon, 'decoderLayers');
      const model = loadModel(path.join(FIXTURES, fixture), { dtype }).model;
      const prompts = [PROMPT, PROMPT.slice(2)];
      const run = async () => {
        const tokens = (await generate(model, prompts, { maxNewTokens: STEPS })).map((r) => r.tokens);
        // One cached step's logits after a prefill, compared bit for bit.
        const cache = new KVCache(model.config.numHiddenLayers, PROMPT.length + 1);
        tf.tidy(() => {
          model.forward(tf.tensor2d([PROMPT], [1, PROMPT.length], 'int32'), { cache, lastPositionOnly: true });
        });
        const logits = tf.tidy(() => model.forward(tf.tensor2d([[7]], [1, 1], 'int32'), { cache }).dataSync());
        cache.dispose();
        return { tokens, logits };
      };
      const fused = await run();
      expect(calls.mock.calls.length).toBeGreaterThan(1);
      expect((calls.mock.calls[0][1] as unknown[]).length).toBe(model.config.numHiddenLayers);
      calls.mockClear();
      // An adapter (here one that changes nothing) routes every layer through the composition.
      model.setLinearAdapter((_name, _x, y) => y);
      const composed = await run();
      model.setLinearAdapter(null);
      expect(calls).not.toHaveBeenCalled();
      calls.mockRestore();
      expect(fused.tokens).toEqual(composed.tokens);
      expect(fused.logits).toEqual(composed.logits);
      model.dispose();
    },
  );
});
