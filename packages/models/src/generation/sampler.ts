// Picks the next token of one sequence: greedy (argmax) or a draw from the processed distribution.
import { argmax, samplingCandidates, type SamplingOptions } from './logits_process';
import { Rng } from '@mixdistill/core';

export interface Sampler {
  next(logits: Float32Array): number;
}

/** Greedy when `sampling` is null (or temperature 0), else sampling with a seeded generator. */
export function createSampler(sampling: SamplingOptions | null, seed: number): Sampler {
  if (!sampling || sampling.temperature === 0) return { next: argmax };
  const rng = new Rng(seed);
  return {
    next(logits) {
      const { ids, probs } = samplingCandidates(logits, sampling);
      let u = rng.next();
      for (let i = 0; i < ids.length; i++) {
        u -= probs[i];
        if (u < 0) return ids[i];
      }
      return ids[ids.length - 1];
    },
  };
}
