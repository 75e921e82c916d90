// Uncertainty of the demo's accuracies: with a few hundred held-out problems a difference of a few
// points is noise, so every accuracy carries an interval and Δ_long its standard error.

/** z for a two-sided 95% normal interval. */
const Z95 = 1.959964;

/**
 * Wilson score interval for k successes in n trials, in percent (better than the normal interval
 * near 0% and 100%, where the demo's small students often sit). Wilson, JASA 22 (1927).
 */
export function wilsonInterval(k: number, n: number): [number, number] {
  if (n === 0) return [0, 100];
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [100 * Math.max(0, centre - half), 100 * Math.min(1, centre + half)];
}

/**
 * Half-width (percent) of a ~95% normal interval for the difference of two accuracies measured on
 * n problems each, treating the two runs as independent (conservative: they share the problems).
 */
export function differenceHalfWidth(k1: number, k2: number, n: number): number {
  if (n === 0) return 100;
  const p1 = k1 / n;
  const p2 = k2 / n;
  return 100 * Z95 * Math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n);
}

/** The most common value of `answers` (ties: the smallest), the constant guess a model could learn. */
export function majorityAnswer(answers: number[]): number {
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1);
  let best = answers[0];
  let bestCount = -1;
  for (const [a, c] of counts) {
    if (c > bestCount || (c === bestCount && a < best)) {
      best = a;
      bestCount = c;
    }
  }
  return best;
}
