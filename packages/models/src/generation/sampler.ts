// Picks the next token of one sequence by a draw from the processed distribution (greedy decoding
// takes the backend's argMax instead: generate.ts).
import { samplingCandidates, type SamplingOptions } from './logits_process';
import { Rng } from '@mixdistill/core';

export interface Sampler {
  next(logits: Float32Array): number;
}

/** Sampling with a seeded generator (temperature > 0). */
export function createSampler(sampling: SamplingOptions, seed: number): Sampler {
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
