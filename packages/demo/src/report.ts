// The demo's report: the paper's Table 1 layout (student, P_long, P_short, Δ_long = P_long − P_short,
// Better?) with Mix-Long added, ~95% intervals, the majority-answer baseline, the settings that
// produced it, and two hand-written SVG plots (Δ_long against student size; per-run loss curves).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartSvg, type Series } from '@mixdistill/eval';
import type { SweepSummary } from '@mixdistill/sweep';
import type { DemoKind } from './data';
import type { RunBudget, RunResult } from './runs';
import { differenceHalfWidth, wilsonInterval } from './stats';
import type { TaskConfig } from './task';

/** Everything besides the runs that the report states. */
export interface ReportContext {
  task: TaskConfig;
  budget: RunBudget;
  trainProblems: number;
  testProblems: number;
  /** the most common training answer and its accuracy (percent) on the held-out split */
  majority: { answer: number; accuracy: number };
  /** Mix-Long's realised draw: records taken from each teacher */
  mixCounts: { long: number; short: number };
  /** backend line (name, version, threads) */
  backend: string;
  /** the native backend's kernel table (avx512/avx2/generic), null on other backends: with `threads` it fixes the floats */
  kernels: string | null;
  /** threads the backend computed with */
  threads: number;
  /** `--sweep`: the mix-weight sweep's summary (OUT/sweep/) */
  sweep?: SweepSummary;
  /** wall-clock seconds of this invocation (finished runs that were reused cost nothing) */
  totalSeconds: number;
  /** the command that reproduces the report */
  command: string;
}

/** One row of Table 1. */
export interface TableRow {
  size: string;
  params: number;
  /** accuracy (percent) and ~95% Wilson interval per kind, when that run exists */
  accuracy: Partial<Record<DemoKind, { value: number; low: number; high: number; correct: number; total: number }>>;
  /** P_long − P_short and the half-width of its ~95% interval */
  deltaLong: { value: number; halfWidth: number } | null;
  /** P_mix − P_short and the half-width of its ~95% interval */
  deltaMix: { value: number; halfWidth: number } | null;
  /** which of long/short CoT the student learned better from */
  better: 'Long' | 'Short' | 'Tie' | null;
}

/** Rows of Table 1, one per student size, smallest first. */
export function tableRows(results: RunResult[]): TableRow[] {
  const sizes = [...new Set(results.map((r) => r.size))];
  const rows = sizes.map((size) => {
    const runs = results.filter((r) => r.size === size);
    const accuracy: TableRow['accuracy'] = {};
    for (const r of runs) {
      const [low, high] = wilsonInterval(r.eval.correct, r.eval.total);
      accuracy[r.kind] = { value: r.eval.accuracy, low, high, correct: r.eval.correct, total: r.eval.total };
    }
    const diff = (a: DemoKind, b: DemoKind) => {
      const x = accuracy[a];
      const y = accuracy[b];
      if (!x || !y || x.total !== y.total) return null;
      return { value: x.value - y.value, halfWidth: differenceHalfWidth(x.correct, y.correct, x.total) };
    };
    const deltaLong = diff('long', 'short');
    const better = deltaLong === null ? null : deltaLong.value > 0 ? 'Long' : deltaLong.value < 0 ? 'Short' : 'Tie';
    return {
      size,
      params: runs[0].params,
      accuracy,
      deltaLong,
      deltaMix: diff('mix', 'short'),
      better,
    } satisfies TableRow;
  });
  return rows.sort((a, b) => a.params - b.params);
}

const fmt = (v: number) => v.toFixed(1);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
const paramsText = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);

/** Table 1 as markdown (accuracy with its ~95% interval in brackets). */
export function table1Markdown(rows: TableRow[]): string {
  const acc = (r: TableRow, k: DemoKind) => {
    const a = r.accuracy[k];
    return a ? `${fmt(a.value)} [${fmt(a.low)}, ${fmt(a.high)}]` : '–';
  };
  const delta = (d: TableRow['deltaLong']) => (d ? `${signed(d.value)} ± ${fmt(d.halfWidth)}` : '–');
  const better = (r: TableRow) => {
    if (!r.better || !r.deltaLong) return '–';
    return Math.abs(r.deltaLong.value) < r.deltaLong.halfWidth ? `${r.better} (within noise)` : r.better;
  };
  return [
    '| Student | P_long | P_short | P_mix (Mix-Long) | Δ_long = P_long − P_short | Better? | P_mix − P_short |',
    '|---|---:|---:|---:|---:|:---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.size} (${paramsText(r.params)}) | ${acc(r, 'long')} | ${acc(r, 'short')} | ${acc(r, 'mix')} | ${delta(r.deltaLong)} | ${better(r)} | ${delta(r.deltaMix)} |`,
    ),
  ].join('\n');
}

const KIND_COLOURS: Record<DemoKind, string> = { short: '#1f77b4', long: '#d62728', mix: '#2ca02c' };
const SIZE_DASHES = [undefined, '6 3', '2 2', '8 3 2 3'];

/** Δ_long (and P_mix − P_short) against student parameters, with ~95% error bars. */
export function deltaSvg(rows: TableRow[]): string {
  const withDelta = rows.filter((r) => r.deltaLong);
  const withMix = rows.filter((r) => r.deltaMix);
  const series: Series[] = [
    {
      name: 'Δ_long = P_long − P_short',
      points: withDelta.map((r) => [r.params, r.deltaLong!.value]),
      errors: withDelta.map((r) => r.deltaLong!.halfWidth),
      color: KIND_COLOURS.long,
      markers: true,
    },
    {
      name: 'P_mix − P_short',
      points: withMix.map((r) => [r.params, r.deltaMix!.value]),
      errors: withMix.map((r) => r.deltaMix!.halfWidth),
      color: KIND_COLOURS.mix,
      dash: '6 3',
      markers: true,
    },
  ];
  return lineChartSvg({
    title: 'Learnability gap against student size',
    xLabel: 'student parameters (log scale)',
    yLabel: 'accuracy difference (points)',
    series,
    logX: true,
    yRule: 0,
  });
}

/** Moving average over `window` steps, so the curves are readable at a few thousand points. */
function smooth(values: number[], window: number): number[] {
  const out: number[] = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= window) sum -= values[i - window];
    out.push(sum / Math.min(i + 1, window));
  });
  return out;
}

/** Training loss per optimizer step for every run (colour = data kind, dash = student size). */
export function lossSvg(results: RunResult[]): string {
  const sizes = [...new Set(results.map((r) => r.size))];
  const series: Series[] = results.map((r) => {
    const window = Math.max(1, Math.round(r.losses.length / 50));
    return {
      name: `${r.size} ${r.kind}`,
      points: smooth(r.losses, window).map((l, i) => [i + 1, l] as [number, number]),
      color: KIND_COLOURS[r.kind],
      dash: SIZE_DASHES[sizes.indexOf(r.size) % SIZE_DASHES.length],
    };
  });
  return lineChartSvg({
    title: 'Training loss per run (moving average)',
    xLabel: 'optimizer step',
    yLabel: 'loss per target token (log scale)',
    series,
    logY: true,
  });
}

/** `--sweep`: the best weight and the figure, details in sweep/summary.md. */
function sweepSection(sweep: SweepSummary | undefined): string[] {
  if (sweep === undefined) return [];
  return [
    '## Mix-weight sweep',
    '',
    `Accuracy against the weight of long CoT in the mix (${sweep.weights.join(', ')}), the paper's Figure 6;`,
    `${sweep.intervals}. Table and settings: [sweep/summary.md](sweep/summary.md).`,
    '',
    ...Object.entries(sweep.best).map(
      ([set, p]) =>
        `- ${set}: best weight ${p.weight}, ${fmt(p.accuracy)}% [${fmt(p.low)}, ${fmt(p.high)}]` +
        `${p.separated ? '' : ', not separated from every other weight by its interval'}` +
        ` (weights: ${sweep.points[set].map((q) => `${q.weight} → ${fmt(q.accuracy)}`).join(', ')}).`,
    ),
    '',
    '![accuracy against the long-CoT weight](sweep/figure6.svg)',
    '',
  ];
}

/** The markdown report. */
export function reportMarkdown(results: RunResult[], rows: TableRow[], ctx: ReportContext): string {
  const t = ctx.task;
  const b = ctx.budget;
  const best = results.reduce<RunResult | null>(
    (a, r) => (a === null || r.eval.accuracy > a.eval.accuracy ? r : a),
    null,
  );
  const lines = [
    '# mixdistill demo: the learnability gap at toy scale',
    '',
    'Tiny Qwen2-architecture students trained from scratch on arithmetic word problems, each on',
    'short CoT, long CoT, and Mix-Long (0.2 long + 0.8 short of the same problems), then evaluated greedily',
    'on held-out problems whose number combinations never occur in training (arXiv 2502.12143, Table 1 layout).',
    '',
    table1Markdown(rows),
    '',
    `Accuracies in percent on ${ctx.testProblems} held-out problems, [~95% Wilson interval]; differences ± ~95% half-width.`,
    `Always answering the most common training answer (${ctx.majority.answer}) scores ${fmt(ctx.majority.accuracy)}%.`,
    // A "best run" at or below the baseline (a --quick smoke test) would read as a result; say what it is.
    best && best.eval.accuracy > ctx.majority.accuracy
      ? `Best run: ${best.size} on ${best.kind} CoT, ${fmt(best.eval.accuracy)}%.`
      : `No run beat that baseline: ${b.steps} steps are too few to learn the task. This is a smoke test of the pipeline ` +
        '(what `--quick` is for), not a result; the default run trains the students to accuracy.',
    '',
    '![Δ_long against student size](delta.svg)',
    '![training loss per run](loss.svg)',
    '',
    ...sweepSection(ctx.sweep),
    '## Protocol',
    '',
    `- Task: ${t.minOps}–${t.maxOps} operations on a start value 1–${t.maxStart}; add/remove 1–${t.maxOperand}` +
      `${t.multipliers.length ? `, multiply by ${t.multipliers.join(' or ')}` : ''}; every value within 0–${t.maxValue}.`,
    `- Data: ${ctx.trainProblems} training problems (the same problems for every kind), ${ctx.testProblems} held-out problems` +
      ` (1 in ${t.testEvery} number combinations is held out by a hash, so no test combination is ever trained on).`,
    `- Mix-Long: ${ctx.mixCounts.long} long + ${ctx.mixCounts.short} short responses, paired by problem (the train package's mix code).`,
    `- Same optimisation for every run: ${b.steps} AdamW steps of ${b.batchSize} examples, cosine schedule, peak lr ${b.lr},` +
      ` warm-up ${b.warmupRatio * 100}%, weight decay ${b.weightDecay}, gradient clipping 1.0, seed ${b.seed}.`,
    '  Equal optimizer steps with equal examples per step means every kind sees the same problems the same number of times',
    '  (the paper compares data kinds over the same problems and epochs); long CoT therefore costs more tokens and time.',
    `- Evaluation: greedy decoding, at most ${b.maxNewTokens} new tokens, answer = last \\boxed{} (the eval package's extraction and grader).`,
    `- Backend: ${ctx.backend}. Wall-clock time of this invocation: ${(ctx.totalSeconds / 60).toFixed(1)} min.`,
    `- Floats: kernel table ${ctx.kernels ?? 'none (not the native backend)'}, ${ctx.threads} thread${ctx.threads === 1 ? '' : 's'}.` +
      ' With the same table and thread count a rerun gives bit-identical weights, busy machine or not; another CPU' +
      ' (another table) or thread count sums in another order, so its floats, and at toy scale its accuracies, differ.',
    `- Reproduce: \`${ctx.command}\``,
    '',
    '## Runs',
    '',
    '| run | params | steps | train tokens | train s | eval s | mean response tokens | accuracy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.size}-${r.kind} | ${r.params} | ${r.steps} | ${r.trainTokens} | ${r.trainSeconds.toFixed(0)} | ${r.evalSeconds.toFixed(0)} | ${r.eval.meanTokens.toFixed(1)} | ${fmt(r.eval.accuracy)} (${r.eval.correct}/${r.eval.total}) |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Writes report.md, results.json, delta.svg and loss.svg into `outDir`; returns the report's path. */
export function writeReport(outDir: string, results: RunResult[], ctx: ReportContext): string {
  const rows = tableRows(results);
  writeFileSync(join(outDir, 'delta.svg'), deltaSvg(rows));
  writeFileSync(join(outDir, 'loss.svg'), lossSvg(results));
  const json = {
    table1: rows,
    majority: ctx.majority,
    task: ctx.task,
    budget: ctx.budget,
    trainProblems: ctx.trainProblems,
    testProblems: ctx.testProblems,
    mixCounts: ctx.mixCounts,
    backend: ctx.backend,
    kernels: ctx.kernels,
    threads: ctx.threads,
    sweep: ctx.sweep === undefined ? null : { ...ctx.sweep, runs: undefined, dir: 'sweep' },
    totalSeconds: ctx.totalSeconds,
    command: ctx.command,
    runs: results.map(({ losses, ...rest }) => ({ ...rest, finalLoss: losses.at(-1) ?? null })),
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  const file = join(outDir, 'report.md');
  writeFileSync(file, reportMarkdown(results, rows, ctx));
  return file;
}
