// `--cutoff-len N`: what to do with examples longer than N tokens.
import type { TokenizedExample } from './tokenize';

/** truncate: keep the first N tokens (cuts the end of the response); drop: leave the example out. */
export type CutoffPolicy = 'truncate' | 'drop';
export const CUTOFF_POLICIES: readonly CutoffPolicy[] = ['truncate', 'drop'];

/** The example cut to fit, or null when it must be left out (too long with drop, or no target left). */
export function applyCutoff(
  ex: TokenizedExample,
  cutoffLen: number | null,
  policy: CutoffPolicy,
): TokenizedExample | null {
  if (cutoffLen === null || ex.inputIds.length <= cutoffLen) return ex;
  if (policy === 'drop') return null;
  const cut = { inputIds: ex.inputIds.slice(0, cutoffLen), labels: ex.labels.slice(0, cutoffLen) };
  return countTargets(cut) > 0 ? cut : null;
}

/** Number of tokens that carry a loss: labels at positions 1.. (position 0 is never predicted). */
export function countTargets(ex: TokenizedExample): number {
  let n = 0;
  for (let i = 1; i < ex.labels.length; i++) if (ex.labels[i] !== -100) n++;
  return n;
}
