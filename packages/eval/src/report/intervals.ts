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

/** Two-sided 95% Student t quantiles t(0.975, df) for df = 1..30; beyond 30 the normal z is close enough. */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df) (df ≥ 1). */
export function t95(df: number): number {
  return df <= T95.length ? T95[df - 1] : Z95;
}

/** A mean over seeds and problems with its ~95% half-width, in percent, and the two parts of it. */
export interface SeedProblemInterval {
  mean: number;
  halfWidth: number;
  /** from training randomness: the spread of the per-seed means (t with seeds − 1 df; 0 with one seed) */
  seedHalfWidth: number;
  /** from the choice of problems: the spread of the per-problem means over seeds (normal) */
  problemHalfWidth: number;
}

function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
}

/**
 * The mean of `values[seed][problem]` (1/0 correctness, or a paired difference −1/0/1 of two runs of
 * one seed on one problem) with a ~95% interval over seeds AND problems. Two independent sources of
 * error: training randomness (another seed gives another model: the per-seed means vary; Student t
 * with seeds − 1 degrees of freedom, because 3–5 seeds estimate that spread poorly) and the finite
 * set of problems (another draw of problems: the per-problem means over seeds vary; normal). Their
 * half-widths add in quadrature. With one seed only the problems' part remains, which for 1/0 values
 * is the usual normal interval of an accuracy. Every seed must score the same problems in one order.
 */
export function seedProblemInterval(values: readonly (readonly number[])[]): SeedProblemInterval {
  const seeds = values.length;
  const problems = values[0]?.length ?? 0;
  if (seeds === 0 || problems === 0 || values.some((v) => v.length !== problems))
    throw new Error('seedProblemInterval: every seed needs the same, non-empty list of problems');
  const perSeed = values.map((v) => v.reduce((a, x) => a + x, 0) / problems);
  const perProblem = Array.from({ length: problems }, (_, j) => values.reduce((a, v) => a + v[j], 0) / seeds);
  const mean = perSeed.reduce((a, x) => a + x, 0) / seeds;
  const seedHalfWidth = seeds < 2 ? 0 : t95(seeds - 1) * Math.sqrt(sampleVariance(perSeed) / seeds);
  const problemHalfWidth = Z95 * Math.sqrt(sampleVariance(perProblem) / problems);
  return {
    mean: 100 * mean,
    halfWidth: 100 * Math.hypot(seedHalfWidth, problemHalfWidth),
    seedHalfWidth: 100 * seedHalfWidth,
    problemHalfWidth: 100 * problemHalfWidth,
  };
}
