// Static against continuous batching for an evaluation's decoding (`mixdistill bench batching`):
// the same prompts decoded greedily in batches of `batch` that each run until their longest
// sequence ends (how evaluation ran before), and as one `generate` call whose finished rows go to
// the next waiting prompt. A random model's answers never end by themselves, so a seeded share of
// the vocabulary serves as stop tokens: most sequences end after a few dozen tokens, and the ones
// the model loops in run to `newTokens`, the long tail of an evaluation where a few answers reach
// the cap.
import { createModel, generate, type GenerationResult, parseModelConfig, type WeightDtype } from '@mixdistill/models';
import type { BenchConfig } from './configs';
import { nativeKernels } from './measure';

/** What {@link measureBatching} decodes. */
export interface BatchingOptions {
  /** prompts in all (sorted shortest first, as the evaluation's generator sorts them) */
  prompts: number;
  /** sequences decoded together */
  batch: number;
  /** most tokens per answer */
  newTokens: number;
  /** share of the vocabulary that ends a sequence */
  stopFraction: number;
  /** how the linear and embedding weights are held */
  dtype: WeightDtype;
}

export interface BatchingResult {
  config: string;
  dtype: WeightDtype;
  /** the native kernel table (null on other backends) */
  kernels: string | null;
  prompts: number;
  batch: number;
  newTokens: number;
  stopFraction: number;
  /** generated tokens (the same on both sides) */
  tokens: number;
  /** answer lengths in tokens */
  lengths: { min: number; median: number; p90: number; max: number };
  /** wall time of all the prompts in static batches */
  static_s: number;
  /** wall time of all the prompts in one continuously refilled batch */
  continuous_s: number;
  /** static_s / continuous_s */
  speedup: number;
  /** whether both gave every prompt the same tokens (they must: each row computes what it would alone) */
  identical: boolean;
}

/** A seeded linear congruential generator in [0, 1): the same prompts and stop tokens every run. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** One untimed warm-up on the first batch, then static batches, then continuous batching. */
export async function measureBatching(
  name: string,
  bench: BenchConfig,
  options: Partial<BatchingOptions> = {},
): Promise<BatchingResult> {
  const {
    prompts: count,
    batch,
    newTokens,
    stopFraction,
    dtype,
  } = {
    prompts: 48,
    batch: 16,
    newTokens: 256,
    stopFraction: 0.05,
    dtype: 'f32' as const,
    ...options,
  };
  const config = parseModelConfig(bench.config, `${name} (benchmark config)`);
  const model = createModel(config, { seed: 0, dtype });
  const random = seeded(12345);
  // Prompts of 40-79 tokens, shortest first.
  const prompts = Array.from({ length: count }, () =>
    Array.from({ length: 40 + Math.floor(random() * 40) }, () => Math.floor(random() * config.vocabSize)),
  ).sort((a, b) => a.length - b.length);
  const stopTokenIds = Array.from({ length: Math.floor(config.vocabSize * stopFraction) }, () =>
    Math.floor(random() * config.vocabSize),
  );
  const settings = { maxNewTokens: newTokens, stopTokenIds };
  try {
    await generate(model, prompts.slice(0, batch), { ...settings, maxNewTokens: 4 });
    let began = performance.now();
    const staticResults: GenerationResult[] = [];
    for (let start = 0; start < prompts.length; start += batch)
      staticResults.push(...(await generate(model, prompts.slice(start, start + batch), settings)));
    const staticSeconds = (performance.now() - began) / 1000;
    began = performance.now();
    const continuous = await generate(model, prompts, { ...settings, batchSize: batch });
    const continuousSeconds = (performance.now() - began) / 1000;
    const lengths = continuous.map((r) => r.tokens.length).sort((a, b) => a - b);
    const at = (q: number) => lengths[Math.min(lengths.length - 1, Math.floor(q * lengths.length))];
    return {
      config: name,
      dtype,
      kernels: nativeKernels(dtype),
      prompts: count,
      batch,
      newTokens,
      stopFraction,
      tokens: lengths.reduce((a, b) => a + b, 0),
      lengths: { min: lengths[0], median: at(0.5), p90: at(0.9), max: lengths[lengths.length - 1] },
      static_s: staticSeconds,
      continuous_s: continuousSeconds,
      speedup: staticSeconds / continuousSeconds,
      identical: continuous.every((r, i) => r.tokens.join() === staticResults[i].tokens.join()),
    };
  } finally {
    for (const [, p] of model.params) p.dispose();
  }
}
