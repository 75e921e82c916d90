import { describe, expect, it } from 'vitest';
import { ALL_LORA_TARGETS } from './config';
import { TRAIN_DEFAULTS, TRAIN_OPTIONS, trainConfigFromFlags } from './train_options';

/** What yargs hands over when only the required flags are given: every default filled in. */
function parsed(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const flags: Record<string, unknown> = { model: 'm', data: ['d.jsonl'], out: 'o' };
  for (const o of TRAIN_OPTIONS) if (o.default !== undefined && o.default !== null) flags[o.flag] = o.default;
  return { ...flags, ...extra };
}

describe('train options', () => {
  it("derive the paper's recipe as defaults", () => {
    expect(TRAIN_DEFAULTS).toEqual({
      format: 'auto',
      trainOnPrompt: false,
      skipBadLines: false,
      cutoffLen: null,
      cutoffPolicy: 'truncate',
      packing: false,
      paddingFree: false,
      batchSize: 1,
      gradAccum: 1,
      shuffle: true,
      groupByLength: false,
      seed: 42,
      epochs: 2,
      maxSteps: null,
      lr: 1e-5,
      lrScheduler: 'cosine',
      warmupSteps: null,
      warmupRatio: 0,
      weightDecay: 0,
      adamBeta1: 0.9,
      adamBeta2: 0.999,
      adamEpsilon: 1e-8,
      maxGradNorm: 1,
      lora: null,
      gradCheckpointing: false,
      saveSteps: 0,
      saveTotalLimit: 0,
      saveMerged: false,
      resume: false,
      overwrite: false,
    });
  });

  it('declare each flag once', () => {
    const flags = TRAIN_OPTIONS.map((o) => o.flag);
    expect(new Set(flags).size).toBe(flags.length);
  });

  it('map flags to a TrainConfig', () => {
    const cfg = trainConfigFromFlags(parsed({ 'batch-size': 4, 'cutoff-len': 512, 'lora-rank': 8, resume: '' }));
    expect(cfg).toMatchObject({ model: 'm', out: 'o', batchSize: 4, cutoffLen: 512, maxSteps: null, resume: true });
    expect(cfg.data).toEqual([{ file: 'd.jsonl', weight: null }]);
    expect(cfg.lora).toEqual({ rank: 8, alpha: 16, dropout: 0, targets: ALL_LORA_TARGETS });
    expect(trainConfigFromFlags(parsed({ resume: 'ckpt' })).resume).toBe('ckpt');
  });

  it('refuse LoRA settings without a rank and warm-up given twice', () => {
    expect(() => trainConfigFromFlags(parsed({ 'lora-alpha': 4 }))).toThrow(/need --lora-rank/);
    expect(() => trainConfigFromFlags(parsed({ 'warmup-steps': 2, 'warmup-ratio': 0.1 }))).toThrow(/not both/);
  });
});
