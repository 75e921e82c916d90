// The fused decoding step through pre-norm layers against the same layers composed of the separate
// ops (rmsNorm, linearBf16, applyRope, writeInto, causalAttention, swiglu), each tested on its own.
// The kernel runs the same table kernels in the same order, so the results must be equal bit for
// bit, on every kernel table (isa_paths.test.ts reruns this file on the lower ones).
import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { causalAttention } from './attention';
import { bf16Tensor, linearBf16, packBf16 } from './bf16';
import { canRunDecoderLayerBf16, decoderLayersBf16, type DecoderLayerBf16Weights } from './decoder_layer_bf16';
import { activatableBackends, seededValues } from './op_test_helpers';
import { rmsNorm } from './rms_norm';
import { applyRope } from './rope';
import { swiglu } from './swiglu';
import { writeInto } from './write_into';

const haveKernel = (await activatableBackends()).includes('native');

// A small layer with Qwen2.5's proportions: 4 query heads sharing 2 KV heads.
const [B, H, HEADS, KV, D, INTER, CAPACITY, PAST, EPS] = [2, 64, 4, 2, 16, 96, 12, 7, 1e-6];

let seed = 1;
const values = (shape: number[], scale = 1) =>
  tf.tensor(
    seededValues(
      shape.reduce((a, b) => a * b, 1),
      seed++,
      scale,
    ),
    shape,
  );
const bf16Linear = (out: number, inDim: number, bias: boolean) => ({
  weight: bf16Tensor(packBf16(seededValues(out * inDim, seed++, 0.3), [out, inDim], 'w'), [out, inDim]),
  bias: bias ? values([out], 0.1) : null,
});

/** The layer as the models compose it without the fused kernel (models' preNormDecoderBlock). */
function composed(
  hidden: tf.Tensor,
  w: DecoderLayerBf16Weights,
  cos: tf.Tensor,
  sin: tf.Tensor,
  keyCache: tf.Tensor,
  valueCache: tf.Tensor,
  segmentIds: tf.Tensor | null,
): tf.Tensor[] {
  const x = rmsNorm(hidden, w.inputNorm, EPS);
  const heads = (t: tf.Tensor, n: number) => tf.reshape(t, [B, n, 1, D]);
  const q = applyRope(heads(linearBf16(x, w.q.weight, w.q.bias), HEADS), cos, sin);
  const k = applyRope(heads(linearBf16(x, w.k.weight, w.k.bias), KV), cos, sin);
  const v = heads(linearBf16(x, w.v.weight, w.v.bias), KV);
  const keys = writeInto(keyCache, k, 2, PAST);
  const vals = writeInto(valueCache, v, 2, PAST);
  const attended = causalAttention(q, keys, vals, { segmentIds: segmentIds ?? undefined, keyLength: PAST + 1 });
  const h = tf.add(hidden, linearBf16(tf.reshape(attended, [B, 1, HEADS * D]), w.o.weight, w.o.bias));
  const y = rmsNorm(h, w.postAttentionNorm, EPS);
  const mlp = swiglu(linearBf16(y, w.gate.weight, w.gate.bias), linearBf16(y, w.up.weight, w.up.bias));
  return [tf.add(h, linearBf16(mlp, w.down.weight, w.down.bias)), keys, vals];
}

describe.skipIf(!haveKernel)(
  `decoderLayersBf16 on native${haveKernel ? '' : ' (skipped: the native backend is not available)'}`,
  () => {
    it.each([
      ['q/k/v biases (Qwen2), a left-padded row, one layer', true, true, 1],
      ['no biases (Llama), no segments, one layer', false, false, 1],
      ['q/k/v biases, a left-padded row, a stack of three layers', true, true, 3],
    ])('%s: equals the composed layers bit for bit', async (_name, qkvBias, padded, layers) => {
      await tf.setBackend('native');
      tf.tidy(() => {
        const weights = Array.from(
          { length: layers },
          (): DecoderLayerBf16Weights => ({
            inputNorm: values([H], 1),
            postAttentionNorm: values([H], 1),
            q: bf16Linear(HEADS * D, H, qkvBias),
            k: bf16Linear(KV * D, H, qkvBias),
            v: bf16Linear(KV * D, H, qkvBias),
            o: bf16Linear(H, HEADS * D, false),
            gate: bf16Linear(INTER, H, false),
            up: bf16Linear(INTER, H, false),
            down: bf16Linear(H, INTER, false),
          }),
        );
        for (const w of weights) expect(canRunDecoderLayerBf16(w)).toBe(true);
        const hidden = values([B, 1, H], 2);
        const angles = values([B, 1, D / 2], 3);
        const [cos, sin] = [tf.cos(angles), tf.sin(angles)];
        const caches = weights.map(() => ({
          keyCache: values([B, KV, CAPACITY, D]),
          valueCache: values([B, KV, CAPACITY, D]),
        }));
        // Row 1 starts with three pads (segment 0); the new position continues segment 1.
        const segmentIds = padded
          ? tf.tensor2d(
              Array.from({ length: B * CAPACITY }, (_, i) => (i >= CAPACITY && i < CAPACITY + 3 ? 0 : 1)),
              [B, CAPACITY],
              'int32',
            )
          : null;
        // Both paths consume their caches: each gets its own copy.
        let want = hidden;
        const wantCaches = weights.map((w, i) => {
          const [out, keys, vals] = composed(
            want,
            w,
            cos,
            sin,
            tf.clone(caches[i].keyCache),
            tf.clone(caches[i].valueCache),
            segmentIds,
          );
          want = out;
          return [keys, vals];
        });
        const got = decoderLayersBf16(
          hidden,
          weights.map((w, i) => ({
            weights: w,
            keyCache: tf.clone(caches[i].keyCache),
            valueCache: tf.clone(caches[i].valueCache),
          })),
          { cos, sin, past: PAST, segmentIds, eps: EPS },
        );
        expect(got.hidden.shape).toEqual([B, 1, H]);
        expect(got.hidden.dataSync()).toEqual(want.dataSync());
        expect(got.caches).toHaveLength(layers);
        got.caches.forEach((c, i) => {
          expect(c.keyCache.dataSync(), `layer ${i} keys`).toEqual(wantCaches[i][0].dataSync());
          expect(c.valueCache.dataSync(), `layer ${i} values`).toEqual(wantCaches[i][1].dataSync());
          // The step wrote position PAST and nothing else.
          expect(c.keyCache.dataSync()).not.toEqual(caches[i].keyCache.dataSync());
        });
      });
    });

    it('refuses a step past the cache and a float32 weight, naming the layer', async () => {
      await tf.setBackend('native');
      tf.tidy(() => {
        const lin = (out: number, inDim: number) => bf16Linear(out, inDim, false);
        const w: DecoderLayerBf16Weights = {
          inputNorm: values([H]),
          postAttentionNorm: values([H]),
          q: lin(HEADS * D, H),
          k: lin(KV * D, H),
          v: lin(KV * D, H),
          o: lin(H, HEADS * D),
          gate: lin(INTER, H),
          up: lin(INTER, H),
          down: lin(H, INTER),
        };
        const slot = { weights: w, keyCache: values([B, KV, CAPACITY, D]), valueCache: values([B, KV, CAPACITY, D]) };
        const step = { cos: values([B, 1, D / 2]), sin: values([B, 1, D / 2]), segmentIds: null, eps: EPS };
        expect(() => decoderLayersBf16(values([B, 1, H]), [slot], { ...step, past: CAPACITY })).toThrow(
          /outside the cache's 12 positions/,
        );
        // A float32 weight reaching the kernel gets one line naming the layer and the weight.
        const float32Up = { ...slot, weights: { ...w, up: { weight: values([INTER, H]), bias: null } } };
        expect(() => decoderLayersBf16(values([B, 1, H]), [slot, float32Up], { ...step, past: 1 })).toThrow(
          "MdDecoderLayersBf16: layer 1's up must be bf16 [96, 64] (int32 [96, 32]), got float32 [96,64]",
        );
        expect(canRunDecoderLayerBf16({ ...w, up: { weight: values([INTER, H]), bias: null } })).toBe(false);
      });
    });
  },
);
