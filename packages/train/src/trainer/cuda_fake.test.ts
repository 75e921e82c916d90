// The trainer's step and generation on the cuda backend's TypeScript side, over the host-memory fake
// addon (`cuda-fake`: every device kernel's arithmetic in JavaScript, any machine): a full, a LoRA
// (with dropout) and a checkpointed step, and greedy generation, must match cpu and run no kernel
// on the counted cpu fallback, so that on a GPU every kernel of a step is a device kernel. The
// optimiser moments must stay backend tensors (MdAdamW on the device, no host copy).
import path from 'node:path';
import { fallbackCounts, registerFakeCudaBackend, resetFallbackCounts, tf } from '@mixdistill/core';
import { generate, loadModel } from '@mixdistill/models';
import { describe, expect, it } from 'vitest';
import { collate } from '../data/batch';
import { AdamW } from '../optim/adamw';
import { ALL_LORA_TARGETS } from './config';
import { trainingForward } from './forward';
import { LoraAdapters } from './lora';
import { trainStep } from './step';

const FIXTURE = path.resolve(import.meta.dirname, '../../../../fixtures/tiny-qwen2');
const FAKE = registerFakeCudaBackend('cuda-fake');

/** Two micro-batches of 12 tokens. */
const micro = [
  [1, 5, 9, 14, 3, 77, 210, 5, 9, 400, 2, 31],
  [7, 8, 100, 101, 102, 4, 4, 6, 300, 12, 13, 2],
].map((ids) => collate([[{ inputIds: ids, labels: ids }]], 0, false));

/** One step on `backend`: loss, norm, the updated trainables and the fallback counts of the step. */
async function stepOn(backend: string, mode: 'full' | 'lora' | 'checkpointed') {
  await tf.setBackend(backend);
  const { model } = loadModel(FIXTURE);
  const lora =
    mode === 'lora' ? new LoraAdapters(model, { rank: 4, alpha: 8, dropout: 0.1, targets: ALL_LORA_TARGETS }, 3) : null;
  if (lora) model.setLinearAdapter(lora.adapter);
  const trainable = lora ? lora.trainable() : model.params;
  const optimizer = new AdamW(trainable, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 });
  const forward = trainingForward(model, mode === 'checkpointed', (i) => {
    const names = model.layerParamNames(i);
    return lora ? lora.variablesOf(names) : names.map((n) => model.params.get(n)!);
  });
  try {
    // The moments' own storage, before the step: MdAdamW updates it in place on the device.
    const momentIds = [...optimizer.state.values()].map((s) => s.m.dataId);
    resetFallbackCounts();
    const r = trainStep(forward, micro, optimizer, {
      lr: 1e-2,
      maxGradNorm: 0.5,
      beforeMicroBatch: (m) => {
        if (lora) lora.dropoutSeed = 11 + m;
      },
    });
    const fallbacks = fallbackCounts() ?? {};
    const inPlace = [...optimizer.state.values()].every((s, i) => s.m.dataId === momentIds[i]);
    const values = [...trainable.values()].map((v) => v.dataSync() as Float32Array);
    return { ...r, fallbacks, inPlace, values };
  } finally {
    optimizer.dispose();
    lora?.dispose();
    model.dispose();
  }
}

function maxRelDiff(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, t) => {
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - b[t][i]) / (1 + Math.abs(b[t][i])));
  });
  return worst;
}

describe('a training step and generation on cuda-fake', () => {
  for (const mode of ['full', 'lora', 'checkpointed'] as const) {
    it(`${mode}: matches cpu with zero fallbacks and device-resident moments`, async () => {
      const want = await stepOn('cpu', mode);
      const got = await stepOn(FAKE, mode);
      expect(got.fallbacks).toEqual({});
      expect(got.loss).toBeCloseTo(want.loss, 4);
      expect(got.gradNorm).toBeCloseTo(want.gradNorm, 4);
      expect(maxRelDiff(got.values, want.values)).toBeLessThan(1e-4);
      expect(got.inPlace).toBe(true);
    });
  }

  it('full, with the LM head and loss in chunks of 5 rows (MdLinearCrossEntropySum): matches cpu', async () => {
    const want = await stepOn('cpu', 'full');
    process.env.MIXDISTILL_CUDA_LOSS_ROWS = '5'; // 12 tokens: three chunks of 4
    try {
      const got = await stepOn(FAKE, 'full');
      expect(got.fallbacks).toEqual({});
      expect(got.loss).toBeCloseTo(want.loss, 4);
      expect(got.gradNorm).toBeCloseTo(want.gradNorm, 4);
      expect(maxRelDiff(got.values, want.values)).toBeLessThan(1e-4);
    } finally {
      delete process.env.MIXDISTILL_CUDA_LOSS_ROWS;
    }
  });

  it('generates the cpu tokens with zero fallbacks', async () => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const { model } = loadModel(FIXTURE);
      try {
        resetFallbackCounts();
        const tokens = (
          await generate(
            model,
            [
              [1, 2, 3, 4, 5],
              [7, 8],
            ],
            { maxNewTokens: 6 },
          )
        ).map((r) => r.tokens);
        return { tokens, fallbacks: fallbackCounts() };
      } finally {
        model.dispose();
      }
    };
    const want = await run('cpu');
    const got = await run(FAKE);
    expect(want.fallbacks).toBeNull(); // cpu has no fallback
    expect(got.fallbacks).toEqual({});
    expect(got.tokens).toEqual(want.tokens);
  });
});
