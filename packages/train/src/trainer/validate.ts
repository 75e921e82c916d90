// Checks a TrainConfig before any work, so a bad flag fails at once with the flag's name.
import { MixdistillError } from '@mixdistill/core';
import { ALL_LORA_TARGETS, type TrainConfig } from './config';

export function validateTrainConfig(cfg: TrainConfig): void {
  const fail = (flag: string, expected: string, got: unknown) => {
    throw new MixdistillError(`--${flag}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  const positiveInt = (flag: string, v: number) =>
    Number.isInteger(v) && v >= 1 ? undefined : fail(flag, 'an integer ≥ 1', v);
  const nonNegative = (flag: string, v: number) =>
    Number.isFinite(v) && v >= 0 ? undefined : fail(flag, 'a number ≥ 0', v);
  positiveInt('batch-size', cfg.batchSize);
  positiveInt('grad-accum', cfg.gradAccum);
  if (cfg.maxSteps !== null) positiveInt('max-steps', cfg.maxSteps);
  else if (!(cfg.epochs > 0)) fail('epochs', 'a number > 0', cfg.epochs);
  if (cfg.cutoffLen !== null) positiveInt('cutoff-len', cfg.cutoffLen);
  if (!Number.isInteger(cfg.seed)) fail('seed', 'an integer', cfg.seed);
  nonNegative('lr', cfg.lr);
  nonNegative('weight-decay', cfg.weightDecay);
  nonNegative('max-grad-norm', cfg.maxGradNorm);
  nonNegative('adam-epsilon', cfg.adamEpsilon);
  for (const [flag, b] of [
    ['adam-beta1', cfg.adamBeta1],
    ['adam-beta2', cfg.adamBeta2],
  ] as const)
    if (!(b >= 0 && b < 1)) fail(flag, 'a number in [0, 1)', b);
  if (cfg.warmupSteps !== null && !(Number.isInteger(cfg.warmupSteps) && cfg.warmupSteps >= 0))
    fail('warmup-steps', 'an integer ≥ 0', cfg.warmupSteps);
  if (!(cfg.warmupRatio >= 0 && cfg.warmupRatio <= 1)) fail('warmup-ratio', 'a number in [0, 1]', cfg.warmupRatio);
  if (!(Number.isInteger(cfg.saveSteps) && cfg.saveSteps >= 0)) fail('save-steps', 'an integer ≥ 0', cfg.saveSteps);
  if (!(Number.isInteger(cfg.saveTotalLimit) && cfg.saveTotalLimit >= 0))
    fail('save-total-limit', 'an integer ≥ 0', cfg.saveTotalLimit);
  if (cfg.mixSize !== undefined && !(Number.isInteger(cfg.mixSize) && cfg.mixSize >= 1))
    fail('mix-size', 'an integer ≥ 1', cfg.mixSize);
  if (cfg.packing && cfg.cutoffLen === null)
    throw new MixdistillError('--packing needs --cutoff-len (the packed row length)');
  if (cfg.paddingFree && cfg.packing)
    throw new MixdistillError(
      '--padding-free and --packing: choose one (both remove padding; --packing also changes the batches)',
    );
  if (cfg.saveMerged && !cfg.lora) throw new MixdistillError('--save-merged needs LoRA (--lora-rank)');
  if (cfg.lora) {
    positiveInt('lora-rank', cfg.lora.rank);
    if (!(cfg.lora.alpha > 0)) fail('lora-alpha', 'a number > 0', cfg.lora.alpha);
    if (!(cfg.lora.dropout >= 0 && cfg.lora.dropout < 1)) fail('lora-dropout', 'a number in [0, 1)', cfg.lora.dropout);
    const unknown = cfg.lora.targets.filter((t) => !ALL_LORA_TARGETS.includes(t) && t !== 'lm_head');
    if (unknown.length > 0)
      fail('lora-target', `names among ${[...ALL_LORA_TARGETS, 'lm_head'].join(',')} or all`, unknown.join(','));
  }
}
