// Greedy generation with bf16 matrices agrees with float32 wherever float32's choice is clear:
// tokens are compared step by step; a step whose float32 top-2 logit margin is within the bf16
// error bound may choose either token, and the comparison ends at the first such step that does.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { activatableBackends, tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../weights/load_model';
import { generate } from './generate';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, '../../../../fixtures');
const PROMPT = [5, 17, 42, 9, 100, 3];
const STEPS = 16;

// Relative error of one product's inputs: 2^-8 for the weight's rounding to bf16 (8-bit
// significand, nearest even) and 2^-8 again where the kernel rounds x too (AVX512-BF16).
const EPS = 2 * 2 ** -8;

const backends = await activatableBackends();

describe.each(backends)('bf16 greedy generation on %s', (backend) => {
  it.each(['tiny-qwen2', 'tiny-llama3'])(
    '%s: the tokens of float32 up to its first low-margin step',
    async (fixture) => {
      await tf.setBackend(backend);
      const dir = path.join(FIXTURES, fixture);
      const f32 = loadModel(dir, { dtype: 'f32' }).model;
      const bf16 = loadModel(dir, { dtype: 'bf16' }).model;
      const [reference] = await generate(f32, [PROMPT], { maxNewTokens: STEPS });
      const [got] = await generate(bf16, [PROMPT], { maxNewTokens: STEPS });

      // float32 logits over the float32 sequence, and the LM head's input (captured through the
      // linear seam) for Σ|h·w| of the top two tokens.
      const sequence = [...PROMPT, ...reference.tokens];
      let headInput: Float32Array | undefined;
      f32.setLinearAdapter((name, x, y) => {
        if (name === 'lm_head') headInput = x.dataSync() as Float32Array;
        return y;
      });
      const ids = () => tf.tensor2d([sequence], [1, sequence.length], 'int32');
      const logits = tf.tidy(() => f32.forward(ids()).dataSync());
      const logitsBf16 = tf.tidy(() => bf16.forward(ids()).dataSync());
      const head = tf.tidy(() =>
        f32.params.get(`${f32.config.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head'}.weight`)!.dataSync(),
      );
      const { vocabSize: vocab, hiddenSize: h, numHiddenLayers: layers } = f32.config;

      let compared = 0;
      for (let t = 0; t < STEPS; t++) {
        const pos = PROMPT.length - 1 + t;
        const row = logits.subarray(pos * vocab, (pos + 1) * vocab);
        const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]);
        const [first, second] = order;
        const magnitude = (j: number) => {
          let s = 0;
          for (let i = 0; i < h; i++) s += Math.abs(headInput![pos * h + i] * head[j * h + i]);
          return s;
        };
        // The head's rounding moves each logit by at most EPS·Σ|h·w| (|Σ x·(w − bf16(w))| ≤
        // 2^-8·Σ|x·w|, likewise for x); to first order every layer below adds an error of the same
        // relative size to the hidden state, hence the factor layers + 1.
        const bound = (layers + 1) * EPS * (magnitude(first) + magnitude(second));
        // The bound holds on this fixture: the bf16 model's margin over the same inputs moves less.
        const moved = Math.abs(
          row[first] - row[second] - (logitsBf16[pos * vocab + first] - logitsBf16[pos * vocab + second]),
        );
        expect(moved, `step ${t}`).toBeLessThanOrEqual(bound);
        if (row[first] - row[second] > bound) {
          expect(got.tokens[t], `step ${t}`).toBe(reference.tokens[t]);
          compared++;
        } else if (got.tokens[t] !== reference.tokens[t]) {
          break; // a low-margin step may go either way; after it the sequences differ
        }
      }
      expect(compared, 'steps with a clear float32 margin').toBeGreaterThanOrEqual(4);
      f32.dispose();
      bf16.dispose();
    },
  );
});
