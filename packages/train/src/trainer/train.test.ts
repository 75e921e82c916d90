// Trainer behaviour on the tiny fixtures: exact resume, packing isolation, LoRA, NaN stop, checkpoint
// rotation and the run's bad-setting paths.
import fs from 'node:fs';
import path from 'node:path';
import { Checkpoint, tf } from '@mixdistill/core';
import { loadModel } from '@mixdistill/models';
import { describe, expect, it } from 'vitest';
import { collate } from '../data/batch';
import { FIXTURES, goldenConfig, readMetrics, silent } from '../test/golden_run';
import { listCheckpoints } from './checkpoint';
import { batchLossSum } from './loss';
import { train } from './train';

function tensorsEqual(dirA: string, dirB: string, file = ''): void {
  const a = Checkpoint.open(path.join(dirA, file));
  const b = Checkpoint.open(path.join(dirB, file));
  for (const e of a.entries())
    expect(Array.from(b.readFloat32(e.name)), e.name).toEqual(Array.from(a.readFloat32(e.name)));
  a.close();
  b.close();
}

describe('exact resume', () => {
  it('6 steps straight equals 3 steps, resume, 3 steps: same floats (shuffled, one sequence per step)', async () => {
    const straight = goldenConfig('tiny-qwen2', { batchSize: 1, shuffle: true, seed: 3, saveSteps: 3 });
    await train(straight, { stderr: silent });
    // The interrupted run: everything after checkpoint-3 is lost.
    const resumedOut = `${straight.out}-resumed`;
    fs.cpSync(straight.out, resumedOut, { recursive: true });
    fs.rmSync(path.join(resumedOut, 'checkpoint-6'), { recursive: true });
    fs.rmSync(path.join(resumedOut, 'final'), { recursive: true });
    const result = await train({ ...straight, out: resumedOut, resume: true }, { stderr: silent });
    expect(result.stepsRun).toBe(3);
    expect(readMetrics(resumedOut).map((m) => [m.step, m.loss, m.grad_norm, m.lr])).toEqual(
      readMetrics(straight.out).map((m) => [m.step, m.loss, m.grad_norm, m.lr]),
    );
    tensorsEqual(path.join(straight.out, 'final'), path.join(resumedOut, 'final'));
    tensorsEqual(
      path.join(straight.out, 'checkpoint-6'),
      path.join(resumedOut, 'checkpoint-6'),
      'optimizer.safetensors',
    );
  });

  it('refuses to resume with settings that change the data plan or schedule', async () => {
    const cfg = goldenConfig('tiny-qwen2', { maxSteps: 2 });
    await train(cfg, { stderr: silent });
    await expect(train({ ...cfg, lr: 2e-2, resume: true }, { stderr: silent })).rejects.toThrow(
      /settings changed \(schedule was/,
    );
    await expect(train({ ...cfg, resume: path.join(cfg.out, 'nope') }, { stderr: silent })).rejects.toThrow(
      /not a checkpoint folder/,
    );
    await expect(train({ ...cfg, out: `${cfg.out}-empty`, resume: true }, { stderr: silent })).rejects.toThrow(
      /no checkpoint-<step> folder/,
    );
  });
});

describe('packing', () => {
  it('the loss sum of a packed row equals the sum over its examples alone', () => {
    const { model } = loadModel(path.join(FIXTURES, 'tiny-qwen2'));
    const golden = Checkpoint.open(path.join(FIXTURES, 'tiny-qwen2', 'golden.safetensors'));
    const ids = Array.from(golden.readInt32('input_ids'));
    const labels = Array.from(golden.readInt32('labels'));
    golden.close();
    const a = { inputIds: ids.slice(0, 16), labels: labels.slice(0, 16) };
    const b = { inputIds: ids.slice(16, 27), labels: labels.slice(16, 27) };
    const sum = (rows: (typeof a)[][], packed: boolean) => {
      const t = batchLossSum(model, collate(rows, 0, packed));
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    };
    const alone = sum([[a]], false) + sum([[b]], false);
    const packed = sum([[a, b]], true);
    expect(Math.abs(packed - alone) / alone).toBeLessThan(1e-5);
    // Without the segment mask and position restart the second example would see the first.
    const leaky = sum(
      [[{ inputIds: [...a.inputIds, ...b.inputIds], labels: [...a.labels, -100, ...b.labels.slice(1)] }]],
      false,
    );
    expect(Math.abs(leaky - alone) / alone).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('trains on packed rows and needs --cutoff-len', async () => {
    await expect(train(goldenConfig('tiny-qwen2', { packing: true }), { stderr: silent })).rejects.toThrow(
      /--packing needs --cutoff-len/,
    );
    const cfg = goldenConfig('tiny-qwen2', { packing: true, cutoffLen: 32, batchSize: 1, maxSteps: 2 });
    await train(cfg, { stderr: silent });
    const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-qwen2', 'golden.json'), 'utf8'));
    // Both sequences in one packed row: the first loss is the golden batch loss.
    expect(readMetrics(cfg.out)[0].loss).toBeCloseTo(golden.loss, 4);
  });
});

describe('LoRA', () => {
  const lora = {
    rank: 4,
    alpha: 8,
    dropout: 0.1,
    targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
  };

  it('starts from the base model, resumes exactly with dropout, and merges into an equivalent model', async () => {
    const golden = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'tiny-llama3', 'golden.json'), 'utf8'));
    const cfg = goldenConfig('tiny-llama3', {
      lora,
      warmupSteps: 0,
      maxSteps: 4,
      saveSteps: 2,
      saveMerged: true,
      gradCheckpointing: true,
    });
    await train(cfg, { stderr: silent });
    const m = readMetrics(cfg.out);
    // B starts at 0, so the first loss is the base model's (dropout only touches the zero branch).
    expect(m[0].loss).toBeCloseTo(golden.loss, 4);
    expect(m[3].loss).toBeLessThan(m[0].loss);
    expect(fs.existsSync(path.join(cfg.out, 'final', 'adapter_config.json'))).toBe(true);

    const resumedOut = `${cfg.out}-resumed`;
    fs.cpSync(cfg.out, resumedOut, { recursive: true });
    for (const d of ['checkpoint-4', 'final', 'final-merged']) fs.rmSync(path.join(resumedOut, d), { recursive: true });
    await train({ ...cfg, out: resumedOut, resume: true }, { stderr: silent });
    expect(readMetrics(resumedOut).map((x) => x.loss)).toEqual(m.map((x) => x.loss));
    tensorsEqual(path.join(cfg.out, 'final'), path.join(resumedOut, 'final'), 'adapter_model.safetensors');

    // The merged model's logits equal base + adapter (no dropout at inference).
    const merged = loadModel(path.join(cfg.out, 'final-merged')).model;
    const base = loadModel(cfg.model).model;
    const { LoraAdapters } = await import('./lora');
    const adapters = new LoraAdapters(base, lora, 0);
    adapters.load(path.join(cfg.out, 'final'));
    adapters.training = false;
    base.setLinearAdapter(adapters.adapter);
    const ids = tf.tensor2d([[1, 5, 9, 2, 7]], [1, 5], 'int32');
    const a = merged.forward(ids).dataSync();
    const b = base.forward(ids).dataSync();
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    merged.dispose();
    base.dispose();
  });

  it('rejects a target that matches no layer', async () => {
    await expect(
      train(goldenConfig('tiny-qwen2', { lora: { ...lora, targets: ['qkv'] } }), { stderr: silent }),
    ).rejects.toThrow(/--lora-target: expected names among/);
    // A tied head has no weight of its own to adapt; an untied one does.
    await expect(
      train(goldenConfig('tiny-qwen2', { lora: { ...lora, targets: ['lm_head'] } }), { stderr: silent }),
    ).rejects.toThrow(/--lora-target lm_head: no linear layer/);
    await expect(
      train(goldenConfig('tiny-llama-untied-f16', { lora: { ...lora, targets: ['lm_head'] }, maxSteps: 1 }), {
        stderr: silent,
      }),
    ).resolves.toBeDefined();
  });
});

describe('bad settings', () => {
  it.each([
    [{ batchSize: 0 }, /--batch-size: expected an integer ≥ 1, got 0/],
    [{ gradAccum: 1.5 }, /--grad-accum: expected an integer ≥ 1/],
    [{ lr: -1 }, /--lr: expected a number ≥ 0/],
    [{ adamBeta2: 1 }, /--adam-beta2: expected a number in \[0, 1\)/],
    [{ warmupRatio: 2 }, /--warmup-ratio/],
    [{ maxSteps: 0 }, /--max-steps/],
    [{ maxSteps: null, epochs: 0 }, /--epochs: expected a number > 0/],
    [{ saveMerged: true }, /--save-merged needs LoRA/],
    [{ lora: { rank: 0, alpha: 1, dropout: 0, targets: ['q_proj'] } }, /--lora-rank/],
    [{ lora: { rank: 2, alpha: 1, dropout: 1, targets: ['q_proj'] } }, /--lora-dropout/],
  ])('rejects %j', async (override, message) => {
    await expect(train(goldenConfig('tiny-qwen2', override as never), { stderr: silent })).rejects.toThrow(message);
  });
});

describe('checkpoints and failures', () => {
  it('keeps --save-total-limit checkpoints and writes metrics and run.json', async () => {
    const cfg = goldenConfig('tiny-qwen2', { maxSteps: 4, saveSteps: 1, saveTotalLimit: 2 });
    await train(cfg, { stderr: silent });
    expect(listCheckpoints(cfg.out).map((c) => c.step)).toEqual([3, 4]);
    const state = JSON.parse(fs.readFileSync(path.join(cfg.out, 'checkpoint-4', 'trainer_state.json'), 'utf8'));
    expect(state.global_step).toBe(4);
    const run = JSON.parse(fs.readFileSync(path.join(cfg.out, 'run.json'), 'utf8'));
    expect(run.data[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.total_steps).toBe(4);
    expect(run.finished.metrics.step).toBe(4);
    expect(Object.keys(readMetrics(cfg.out)[0]).sort()).toEqual([
      'elapsed_s',
      'epoch',
      'grad_norm',
      'loss',
      'lr',
      'step',
      'tokens',
      'tokens_per_s',
    ]);
  });

  it('stops on a non-finite loss before applying it and names the last good checkpoint', async () => {
    const cfg = goldenConfig('tiny-qwen2', { lr: 1e30, warmupSteps: 0, maxSteps: 4, saveSteps: 1 });
    await expect(train(cfg, { stderr: silent })).rejects.toThrow(
      /step 2: loss (NaN|Infinity).*last good checkpoint: .*checkpoint-1/,
    );
    expect(listCheckpoints(cfg.out).map((c) => c.step)).toEqual([1]);
  });
});
