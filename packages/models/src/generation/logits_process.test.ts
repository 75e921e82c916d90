import { describe, expect, it } from 'vitest';
import { samplingCandidates } from './logits_process';

/** Sort everything, then cut: the plain definition of top-k / top-p. */
function bruteForce(logits: number[], temperature: number, topK: number, topP: number): number[] {
  const weights = logits.map((l) => Math.exp(l / temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  const order = weights.map((_, i) => i).sort((a, b) => weights[b] - weights[a] || a - b);
  const kept: number[] = [];
  let mass = 0;
  for (const id of order) {
    if (kept.length >= topK || mass >= topP) break;
    kept.push(id);
    mass += weights[id] / total;
  }
  return kept;
}

describe('samplingCandidates', () => {
  const logits = Float32Array.from({ length: 2000 }, (_, i) => Math.sin(i * 12.9898) * 6 - (i % 7));

  it('keeps what sorting the whole vocabulary keeps', () => {
    for (const [temperature, topK, topP] of [
      [1, 2000, 0.9],
      [0.7, 20, 1],
      [1.5, 2000, 0.999],
      [2, 5, 0.5],
      [1, 2000, 1],
    ]) {
      const { ids, probs } = samplingCandidates(logits, { temperature, topK, topP });
      const expected = bruteForce(Array.from(logits), temperature, topK, topP);
      // Uncut, the order does not matter to sampling (ids come in id order); cut, it is by probability.
      const uncut = topK === 2000 && topP === 1;
      expect(uncut ? [...ids].sort((a, b) => a - b) : ids).toEqual(
        uncut ? [...expected].sort((a, b) => a - b) : expected,
      );
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
    }
  });

  it('renormalises over the kept tokens', () => {
    const { ids, probs } = samplingCandidates(Float32Array.from([0, Math.log(3), -100]), { temperature: 1, topK: 2 });
    expect(ids).toEqual([1, 0]);
    expect(probs[0]).toBeCloseTo(0.75, 6); // log(3) is rounded to float32
  });
});
