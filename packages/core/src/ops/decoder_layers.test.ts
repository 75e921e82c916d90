// The fused decoding step through pre-norm layers against the same layers composed of the separate
// ops (rmsNorm, linearBf16 or linear, applyRope, writeInto, causalAttention, swiglu), each tested on
// its own. The kernel runs the same table kernels in the same order, so the results must be equal
// bit for bit, for bf16 and float32 weights, on every kernel table (isa_paths.test.ts reruns this
// file on the lower ones). Float32 weights at the backend's bf16 precision: models'
// fused_decoding.test.ts.
import { describe, expect, it } from 'vitest';
import { tf } from '../tf';
import { causalAttention } from './attention';
import { bf16Tensor, isBf16, linearBf16, packBf16 } from './bf16';
import {
  canRunDecoderLayers,
  type DecoderLayerWeights,
  type DecoderLinearWeights,
  decoderLayers,
} from './decoder_layers';
import { linear } from './linear';
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
const f32Linear = (out: number, inDim: number, bias: boolean) => ({
  weight: values([out, inDim], 0.3),
  bias: bias ? values([out], 0.1) : null,
});
/** x · Wᵀ (+ b) as the models dispatch it: linearBf16 for a bf16 weight, linear for a float32 one. */
const project = (x: tf.Tensor, w: DecoderLinearWeights) =>
  isBf16(w.weight) ? linearBf16(x, w.weight, w.bias) : linear(x, w.weight, w.bias);

/** The layer as the models compose it without the fused kernel (models' preNormDecoderBlock). */
function composed(
  hidden: tf.Tensor,
  w: DecoderLayerWeights,
  cos: tf.Tensor,
  sin: tf.Tensor,
  keyCache: tf.Tensor,
  valueCache: tf.Tensor,
  segmentIds: tf.Tensor | null,
): tf.Tensor[] {
  const x = rmsNorm(hidden, w.inputNorm, EPS);
  const heads = (t: tf.Tensor, n: number) => tf.reshape(t, [B, n, 1, D]);
  const q = applyRope(heads(project(x, w.q), HEADS), cos, sin);
  const k = applyRope(heads(project(x, w.k), KV), cos, sin);
  const v = heads(project(x, w.v), KV);
  const keys = writeInto(keyCache, k, 2, PAST);
  const vals = writeInto(valueCache, v, 2, PAST);
  const attended = causalAttention(q, keys, vals, { segmentIds: segmentIds ?? undefined, keyLength: PAST + 1 });
  const h = tf.add(hidden, project(tf.reshape(attended, [B, 1, HEADS * D]), w.o));
  const y = rmsNorm(h, w.postAttentionNorm, EPS);
  const mlp = swiglu(project(y, w.gate), project(y, w.up));
  return [tf.add(h, project(mlp, w.down)), keys, vals];
}

describe.skipIf(!haveKernel)(
  `decoderLayers on native${haveKernel ? '' : ' (skipped: the native backend is not available)'}`,
  () => {
    // Weights: bf16 throughout, float32 throughout, or float32 attention with a bf16 MLP.
    it.each([
      ['bf16, q/k/v biases (Qwen2), a left-padded row, one layer', 'bf16', true, true, 1],
      ['bf16, no biases (Llama), no segments, one layer', 'bf16', false, false, 1],
      ['bf16, q/k/v biases, a left-padded row, a stack of three layers', 'bf16', true, true, 3],
      ['float32, q/k/v biases, a left-padded row, a stack of two layers', 'f32', true, true, 2],
      ['float32, no biases, no segments, one layer', 'f32', false, false, 1],
      ['mixed float32 and bf16, q/k/v biases, one layer', 'mixed', true, true, 1],
    ] as const)('%s: equals the composed layers bit for bit', async (_name, kind, qkvBias, padded, layers) => {
      await tf.setBackend('native');
      const attention = kind === 'bf16' ? bf16Linear : f32Linear;
      const mlp = kind === 'f32' ? f32Linear : bf16Linear;
      tf.tidy(() => {
        const weights = Array.from(
          { length: layers },
          (): DecoderLayerWeights => ({
            inputNorm: values([H], 1),
            postAttentionNorm: values([H], 1),
            q: attention(HEADS * D, H, qkvBias),
            k: attention(KV * D, H, qkvBias),
            v: attention(KV * D, H, qkvBias),
            o: attention(H, HEADS * D, false),
            gate: mlp(INTER, H, false),
            up: mlp(INTER, H, false),
            down: mlp(H, INTER, false),
          }),
        );
        for (const w of weights) expect(canRunDecoderLayers(w)).toBe(true);
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
        const got = decoderLayers(
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

    it('refuses a step past the cache and a weight of the wrong shape, naming the layer', async () => {
      await tf.setBackend('native');
      tf.tidy(() => {
        const lin = (out: number, inDim: number) => bf16Linear(out, inDim, false);
        const w: DecoderLayerWeights = {
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
        expect(() => decoderLayers(values([B, 1, H]), [slot], { ...step, past: CAPACITY })).toThrow(
          /outside the cache's 12 positions/,
        );
        // A weight of the wrong shape reaching the kernel gets one line naming the layer and the weight.
        const transposedUp = { ...slot, weights: { ...w, up: { weight: values([H, INTER]), bias: null } } };
        expect(() => decoderLayers(values([B, 1, H]), [slot, transposedUp], { ...step, past: 1 })).toThrow(
          "MdDecoderLayers: layer 1's up must be float32 [96, 64] or bf16 (int32 [96, 32]), got float32 [64,96]",
        );
        expect(canRunDecoderLayers({ ...w, up: { weight: values([INTER, H]), bias: null } })).toBe(true);
        expect(canRunDecoderLayers({ ...w, up: { weight: tf.zeros([INTER, H], 'bool'), bias: null } })).toBe(false);
      });
    });
  },
);
