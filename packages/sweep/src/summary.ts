// The sweep's outputs over its finished weights: summary.json (every point with its interval, the best
// weight per scored set and for the average), summary.md (the same as a table) and figure6.svg
// (accuracy against the long-CoT weight, the paper's Figure 6, through eval's line chart on the one SVG
// writer).
//
// Intervals are 95%: Wilson score intervals over the problems of each set (asymmetric, and honest
// near 0% and 100% where small students sit); for the average over sets, the normal approximation
// of the mean of independent accuracies (eval's `meanAccuracyInterval`).
import { join } from 'node:path';
import { writeFileAtomic } from '@mixdistill/core';
import { lineChartSvg, meanAccuracyInterval, wilsonInterval, type Series } from '@mixdistill/eval';
import type { WeightResult } from './sweep';

/** The name of the average over every scored set, in the summary and the figure. */
export const AVERAGE = 'average';

/** One measured accuracy. */
export interface SweepPoint {
  /** long-CoT weight */
  weight: number;
  /** percent, 0–100 */
  accuracy: number;
  /** 95% interval, percent */
  low: number;
  high: number;
  correct: number;
  total: number;
}

/** summary.json. */
export interface SweepSummary {
  /** weights in ascending order */
  weights: number[];
  /** scored sets in first-seen order, then `average` when there are two or more */
  sets: string[];
  /** per set (and `average`): one point per weight that scored it */
  points: Record<string, SweepPoint[]>;
  /**
   * per set (and `average`): the weight of highest accuracy (ties: the smaller weight); `separated`:
   * its interval lies above every other weight's (else the data do not tell the weights apart)
   */
  best: Record<string, SweepPoint & { separated: boolean }>;
  /** how the intervals were computed */
  intervals: string;
  /** the weights' results as written to their result.json */
  runs: WeightResult[];
  /** what reproduces the sweep */
  command: string;
}

const INTERVALS =
  '95% Wilson score interval over the problems of each set; for the average, normal approximation of the mean of independent per-set accuracies';

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#9c755f'];

/** Points, best weights and the intervals' description from the weights' results. */
export function summarise(results: WeightResult[], command: string): SweepSummary {
  const runs = [...results].sort((a, b) => a.weight - b.weight);
  const sets = [...new Set(runs.flatMap((r) => Object.keys(r.scores)))];
  const points: Record<string, SweepPoint[]> = {};
  for (const set of sets) {
    points[set] = runs.flatMap((r) => {
      const s = r.scores[set];
      if (!s) return [];
      const [low, high] = wilsonInterval(s.correct, s.total);
      return [{ weight: r.weight, accuracy: s.total === 0 ? 0 : (100 * s.correct) / s.total, low, high, ...s }];
    });
  }
  if (sets.length >= 2) {
    points[AVERAGE] = runs.map((r) => {
      const scores = sets.flatMap((set) => (r.scores[set] ? [r.scores[set]] : []));
      const [low, high] = meanAccuracyInterval(scores);
      const used = scores.filter((s) => s.total > 0);
      const accuracy = used.length === 0 ? 0 : (100 * used.reduce((a, s) => a + s.correct / s.total, 0)) / used.length;
      const correct = scores.reduce((a, s) => a + s.correct, 0);
      return { weight: r.weight, accuracy, low, high, correct, total: scores.reduce((a, s) => a + s.total, 0) };
    });
  }
  const best: SweepSummary['best'] = {};
  for (const [set, pts] of Object.entries(points)) {
    if (pts.length === 0) continue;
    const top = pts.reduce((a, p) => (p.accuracy > a.accuracy ? p : a));
    best[set] = { ...top, separated: pts.length > 1 && pts.every((p) => p === top || p.high < top.low) };
  }
  return {
    weights: runs.map((r) => r.weight),
    sets: Object.keys(points),
    points,
    best,
    intervals: INTERVALS,
    runs,
    command,
  };
}

const pct = (v: number) => v.toFixed(1);

/** summary.md: one row per weight, accuracy [95% interval] per set, then the best weight per set. */
export function summaryMarkdown(summary: SweepSummary): string {
  const { sets, points } = summary;
  const cell = (set: string, w: number) => {
    const p = points[set].find((q) => q.weight === w);
    return p ? `${pct(p.accuracy)} [${pct(p.low)}, ${pct(p.high)}]` : '–';
  };
  const lines = [
    '# Mix-weight sweep (Figure 6)',
    '',
    'Accuracy (%) against the weight of the long-CoT set in the training mix (0 = short CoT only,',
    `1 = long CoT only; the paper's Mix-Long is 0.2). Brackets: ${summary.intervals}.`,
    '',
    `| long-CoT weight | ${sets.join(' | ')} | drawn long/short | steps | final loss |`,
    `|---:|${sets.map(() => '---:').join('|')}|---:|---:|---:|`,
    ...summary.runs.map(
      (r) =>
        `| ${r.weight} | ${sets.map((s) => cell(s, r.weight)).join(' | ')} | ${r.drawn.long}/${r.drawn.short} | ${r.steps} | ${r.finalLoss?.toFixed(4) ?? '–'} |`,
    ),
    '',
    '## Best weight',
    '',
    '| set | weight | accuracy | 95% interval | above every other weight’s interval? |',
    '|---|---:|---:|---|:---:|',
    ...Object.entries(summary.best).map(
      ([set, p]) =>
        `| ${set} | ${p.weight} | ${pct(p.accuracy)} | [${pct(p.low)}, ${pct(p.high)}] | ${p.separated ? 'yes' : 'no'} |`,
    ),
    '',
    'Where the best interval overlaps another weight’s, this many problems do not tell those weights apart.',
    '',
    '![accuracy against the long-CoT weight](figure6.svg)',
    '',
    `Reproduce: \`${summary.command}\``,
    '',
  ];
  return lines.join('\n');
}

/** figure6.svg: one line per set (the average dashed) with its 95% intervals as error bars. */
export function figure6Svg(summary: SweepSummary): string {
  const series: Series[] = summary.sets.map((set, i) => ({
    name: set,
    points: summary.points[set].map((p) => [p.weight, p.accuracy] as [number, number]),
    intervals: summary.points[set].map((p) => [p.low, p.high] as [number, number]),
    color: set === AVERAGE ? '#333' : PALETTE[i % PALETTE.length],
    dash: set === AVERAGE ? '4 3' : undefined,
    markers: true,
  }));
  return lineChartSvg({
    title: 'Accuracy against the long-CoT weight (95% intervals)',
    xLabel: 'weight of long CoT in the mix',
    yLabel: 'accuracy (%)',
    series,
  });
}

/** Writes summary.json, summary.md and figure6.svg into `out`. */
export function writeSweepSummary(
  out: string,
  results: WeightResult[],
  command: string,
): { summary: SweepSummary; files: { json: string; markdown: string; svg: string } } {
  const summary = summarise(results, command);
  const files = { json: join(out, 'summary.json'), markdown: join(out, 'summary.md'), svg: join(out, 'figure6.svg') };
  writeFileAtomic(files.svg, figure6Svg(summary));
  writeFileAtomic(files.markdown, summaryMarkdown(summary));
  writeFileAtomic(files.json, `${JSON.stringify(summary, null, 2)}\n`);
  return { summary, files };
}
