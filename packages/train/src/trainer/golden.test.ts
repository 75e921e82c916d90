// The trainer against golden SFT runs computed with PyTorch (fixtures/README.md): six AdamW steps on
// one pre-tokenized batch, HF Trainer semantics (cosine with warm-up, first step at lr 0, clipping).
import fs from 'node:fs';
import path from 'node:path';
import { Checkpoint, tf } from '@mixdistill/core';
import { describe, expect, it } from 'vitest';
import { FIXTURES, goldenConfig, readMetrics, silent } from '../test/golden-run';
import { train } from './train';

describe.each(['tiny-qwen2', 'tiny-llama3', 'tiny-llama-untied-f16'])('SFT on %s', (fixture) => {
  const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture, 'golden.json'), 'utf8')).sft;

  it('matches the golden losses, learning rates, pre-clip norms and final weights', async () => {
    const cfg = goldenConfig(fixture);
    await train(cfg, { stderr: silent });
    const m = readMetrics(cfg.out);
    expect(m.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6]);
    m.forEach((x, i) => {
      expect(Math.abs(x.loss - golden.losses[i]) / golden.losses[i]).toBeLessThan(1e-4);
      expect(x.lr).toBeCloseTo(golden.lrs[i], 12);
      expect(Math.abs(x.grad_norm - golden.grad_norms_before_clip[i]) / golden.grad_norms_before_clip[i]).toBeLessThan(1e-4);
    });
    // Weights after six steps. Every tensor must agree in bulk (1e-4 of its max magnitude); a few
    // elements whose gradient is at float32 noise level (≈1e-9, e.g. some k_proj biases) are pushed
    // to ±lr·sign(noise) by AdamW after clipping, so their final values depend on the summation order
    // of the reference. Those may reach 2e-3 and must stay below 1 in 10,000 elements of the model.
    const after = Checkpoint.open(path.join(FIXTURES, fixture, 'golden.safetensors'));
    const final = Checkpoint.open(path.join(cfg.out, 'final'));
    const names = after.entries().map((e) => e.name).filter((n) => n.startsWith('after_sft.'));
    expect(names.length).toBeGreaterThan(0);
    let elements = 0;
    let outliers = 0;
    for (const name of names) {
      const expected = after.readFloat32(name);
      const got = final.readFloat32(name.slice('after_sft.'.length));
      let maxAbs = 0;
      for (const x of expected) maxAbs = Math.max(maxAbs, Math.abs(x));
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++) {
        const diff = Math.abs(got[i] - expected[i]);
        maxDiff = Math.max(maxDiff, diff);
        if (diff > 1e-4 * maxAbs) outliers++;
      }
      elements += expected.length;
      expect(maxDiff / maxAbs, name).toBeLessThan(2e-3);
    }
    expect(outliers / elements).toBeLessThan(1e-4);
    after.close();
    final.close();
  });

  it('gives the same losses with two accumulated micro-batches of one sequence', async () => {
    const cfg = goldenConfig(fixture, { batchSize: 1, gradAccum: 2 });
    await train(cfg, { stderr: silent });
    readMetrics(cfg.out).forEach((x, i) => expect(Math.abs(x.loss - golden.losses[i]) / golden.losses[i]).toBeLessThan(1e-4));
  });
});

describe('activation checkpointing', () => {
  it('gives the same losses and norms as keeping activations', async () => {
    const plain = goldenConfig('tiny-qwen2', { maxSteps: 3 });
    const ckpt = goldenConfig('tiny-qwen2', { maxSteps: 3, gradCheckpointing: true });
    await train(plain, { stderr: silent });
    await train(ckpt, { stderr: silent });
    const a = readMetrics(plain.out);
    const b = readMetrics(ckpt.out);
    a.forEach((x, i) => {
      expect(b[i].loss).toBeCloseTo(x.loss, 5);
      expect(b[i].grad_norm).toBeCloseTo(x.grad_norm, 5);
    });
    expect(tf.memory().numTensors).toBeLessThan(100);
  });
});
