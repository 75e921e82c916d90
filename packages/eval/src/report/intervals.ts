// Uncertainty of an accuracy measured on n problems: with a few hundred problems a difference of a
// few points is noise, so reports carry intervals (the demo's Table 1, the sweep's Figure 6).

/** z for a two-sided 95% normal interval. */
export const Z95 = 1.959964;

/**
 * Wilson score interval for k successes in n trials, in percent (better than the normal interval
 * near 0% and 100%, where small students often sit). Wilson, JASA 22 (1927).
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

/**
 * ~95% normal interval (percent, clamped to 0–100) for the unweighted mean of several accuracies, each
 * measured on its own problems (independent benchmarks): Var = Σ p_i(1 − p_i)/n_i / K².
 */
export function meanAccuracyInterval(scores: readonly { correct: number; total: number }[]): [number, number] {
  const used = scores.filter((s) => s.total > 0);
  if (used.length === 0) return [0, 100];
  const k = used.length;
  const mean = used.reduce((a, s) => a + s.correct / s.total, 0) / k;
  const variance =
    used.reduce((a, s) => a + ((s.correct / s.total) * (1 - s.correct / s.total)) / s.total, 0) / (k * k);
  const half = Z95 * Math.sqrt(variance);
  return [100 * Math.max(0, mean - half), 100 * Math.min(1, mean + half)];
}
