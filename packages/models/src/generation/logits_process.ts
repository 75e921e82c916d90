// Turns one row of logits into the distribution to sample from: temperature, then top-k, then
// top-p (the order of transformers' TemperatureLogitsWarper, TopKLogitsWarper, TopPLogitsWarper).

export interface SamplingOptions {
  /** Divides the logits; > 0. */
  temperature: number;
  /** Keep the k most likely tokens (0 or undefined: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (1 or undefined: all). */
  topP?: number;
}

/** Candidate tokens and their probabilities (renormalised over the candidates). */
export interface Candidates {
  ids: number[];
  probs: number[];
}

/** The tokens sampling may pick from: most likely first when top-k/top-p cut the vocabulary, else in id order. */
export function samplingCandidates(logits: Float32Array, options: SamplingOptions): Candidates {
  const { temperature } = options;
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  const weights = new Float64Array(logits.length); // unnormalised softmax(logits / T)
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    weights[i] = Math.exp((logits[i] - max) / temperature);
    total += weights[i];
  }
  const topK = options.topK && options.topK > 0 ? Math.min(options.topK, logits.length) : logits.length;
  const topP = options.topP ?? 1;
  if (topK === logits.length && topP >= 1) {
    // Nothing is cut: the whole vocabulary, in id order (no sort needed).
    return { ids: Array.from(weights.keys()), probs: Array.from(weights, (w) => w / total) };
  }
  // Most of the vocabulary carries no mass: sorting only tokens above a threshold gives the same
  // top-k/top-p prefix whenever the kept tokens reach both limits. Lower the threshold until they do.
  for (let threshold = 1e-4; ; threshold /= 100) {
    const exhaustive = threshold < 1e-30;
    const ids: number[] = [];
    let kept = 0;
    for (let i = 0; i < weights.length; i++) {
      if (exhaustive || weights[i] >= threshold) {
        ids.push(i);
        kept += weights[i];
      }
    }
    if (!exhaustive && ids.length < topK && kept / total < topP) continue;
    ids.sort((a, b) => weights[b] - weights[a] || a - b);
    const chosen: number[] = [];
    let mass = 0;
    for (const id of ids) {
      if (chosen.length >= topK || mass / total >= topP) break;
      chosen.push(id);
      mass += weights[id];
    }
    return { ids: chosen, probs: chosen.map((id) => weights[id] / mass) };
  }
}

/** The most likely token (lowest id among ties, like torch.argmax). */
export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}
