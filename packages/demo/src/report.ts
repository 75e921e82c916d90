// The demo's report: the paper's Table 1 layout (student, P_long, P_short, Δ_long = P_long − P_short,
// Better?) with Mix-Long added, and with `--teachers` its Table 2 (large vs small teacher, Mix-Large).
// Every cell is the mean over seeds with a ~95% interval over seeds and problems; "Better?" names a
// side only when the interval of the difference excludes 0. Also the majority-answer baseline, the
// settings that produced it, and SVG plots (the differences against student size; loss curves).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lineChartSvg, seedProblemInterval, type Series } from '@mixdistill/eval';
import type { SweepSummary } from '@mixdistill/sweep';
import type { RunBudget, RunResult } from './runs';
import type { TaskConfig } from './task';

/** One comparison of the paper: two kinds of data and their mix (Table 1: long vs short; Table 2: teachers). */
export interface Axis {
  /** the data kinds (run folder names): the one whose advantage Δ measures, the one it is compared with, their 0.2/0.8 mix */
  kinds: { first: string; second: string; mix: string };
  /** short names in the column heads: P_<name>, Δ_<first> */
  names: { first: string; second: string; mix: string };
  /** the Better? column's values and the mix's name */
  labels: { first: string; second: string; mix: string };
}

export const LONG_AXIS: Axis = {
  kinds: { first: 'long', second: 'short', mix: 'mix' },
  names: { first: 'long', second: 'short', mix: 'mix' },
  labels: { first: 'Long', second: 'Short', mix: 'Mix-Long' },
};

export const TEACHER_AXIS: Axis = {
  kinds: { first: 'large-teacher', second: 'small-teacher', mix: 'mix-large' },
  names: { first: 'large', second: 'small', mix: 'mix' },
  labels: { first: 'Large', second: 'Small', mix: 'Mix-Large' },
};

/** Everything besides the runs that the report states. */
export interface ReportContext {
  task: TaskConfig;
  budget: RunBudget;
  /** the seeds of every cell */
  seeds: number[];
  trainProblems: number;
  testProblems: number;
  /** the most common training answer and its accuracy (percent) on the held-out split */
  majority: { answer: number; accuracy: number };
  /** Mix-Long's realised draw: records taken from each teacher */
  mixCounts: { long: number; short: number };
  /** backend line (name, version, threads) */
  backend: string;
  /** the native kernel table (avx512/avx2/generic), null on other backends: with the threads it fixes the floats */
  kernels: string | null;
  /** threads each run computed with (1 in worker processes) */
  threads: number;
  /** runs at once */
  jobs: number;
  /** `--teachers`: how the teachers' data was made (markdown lines), else undefined */
  teachers?: string[];
  /** `--sweep`: the mix-weight sweep's summary (OUT/sweep/) */
  sweep?: SweepSummary;
  /** wall-clock seconds of this invocation (finished runs that were reused cost nothing) */
  totalSeconds: number;
  /** the command that reproduces the report */
  command: string;
}

/** A cell: the mean over seeds and its ~95% interval over seeds and problems (percent). */
export interface Cell {
  mean: number;
  halfWidth: number;
  /** each seed's accuracy, in seed order */
  perSeed: number[];
}

/** One row of a table. */
export interface TableRow {
  size: string;
  params: number;
  /** per kind, when its runs exist */
  accuracy: Partial<Record<string, Cell>>;
  /** P_first − P_second, paired by seed and problem */
  delta: { value: number; halfWidth: number } | null;
  /** P_mix − P_second, paired by seed and problem */
  deltaMix: { value: number; halfWidth: number } | null;
  /** the side the interval of Δ points to, or 'no clear difference' when it holds 0 */
  better: string | null;
}

/** 1/0 per problem of a run. */
function correctness(r: RunResult): number[] {
  return Array.from(r.eval.perProblem, (c) => (c === '1' ? 1 : 0));
}

/** The runs of one kind by seed. */
function bySeed(runs: RunResult[], kind: string): Map<number, RunResult> {
  return new Map(runs.filter((r) => r.kind === kind).map((r) => [r.seed, r]));
}

function cell(runs: RunResult[]): Cell | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.seed - b.seed);
  const interval = seedProblemInterval(sorted.map(correctness));
  return { mean: interval.mean, halfWidth: interval.halfWidth, perSeed: sorted.map((r) => r.eval.accuracy) };
}

/** a − b over the seeds that ran both, paired by seed and problem. */
function pairedDifference(runs: RunResult[], a: string, b: string): { value: number; halfWidth: number } | null {
  const first = bySeed(runs, a);
  const second = bySeed(runs, b);
  const seeds = [...first.keys()].filter((s) => second.has(s)).sort((x, y) => x - y);
  if (seeds.length === 0) return null;
  const diffs = seeds.map((s) => {
    const x = correctness(first.get(s)!);
    const y = correctness(second.get(s)!);
    return x.map((v, i) => v - y[i]);
  });
  const interval = seedProblemInterval(diffs);
  return { value: interval.mean, halfWidth: interval.halfWidth };
}

/** Rows of the axis' table, one per student size, smallest first. */
export function tableRows(results: RunResult[], axis: Axis = LONG_AXIS): TableRow[] {
  const kinds = [axis.kinds.first, axis.kinds.second, axis.kinds.mix];
  const used = results.filter((r) => kinds.includes(r.kind));
  const sizes = [...new Set(used.map((r) => r.size))];
  const rows = sizes.map((size) => {
    const runs = used.filter((r) => r.size === size);
    const accuracy: TableRow['accuracy'] = {};
    for (const kind of kinds) {
      const c = cell(runs.filter((r) => r.kind === kind));
      if (c) accuracy[kind] = c;
    }
    const delta = pairedDifference(runs, axis.kinds.first, axis.kinds.second);
    const better =
      delta === null
        ? null
        : delta.value - delta.halfWidth > 0
          ? axis.labels.first
          : delta.value + delta.halfWidth < 0
            ? axis.labels.second
            : 'no clear difference';
    return {
      size,
      params: runs[0].params,
      accuracy,
      delta,
      deltaMix: pairedDifference(runs, axis.kinds.mix, axis.kinds.second),
      better,
    } satisfies TableRow;
  });
  return rows.sort((a, b) => a.params - b.params);
}

const fmt = (v: number) => v.toFixed(1);
const signed = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
const paramsText = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(0)}k`);
const withInterval = (d: { value: number; halfWidth: number } | null) =>
  d ? `${signed(d.value)} ± ${fmt(d.halfWidth)}` : '–';

/** The axis' table as markdown: mean ± ~95% half-width over seeds and problems. */
export function tableMarkdown(rows: TableRow[], axis: Axis = LONG_AXIS): string {
  const acc = (r: TableRow, k: string) => {
    const a = r.accuracy[k];
    return a ? `${fmt(a.mean)} ± ${fmt(a.halfWidth)}` : '–';
  };
  const { first, second, mix } = axis.names;
  const { kinds } = axis;
  return [
    `| Student | P_${first} | P_${second} | P_${mix} (${axis.labels.mix}) | Δ_${first} = P_${first} − P_${second} | Better? | P_${mix} − P_${second} |`,
    '|---|---:|---:|---:|---:|:---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.size} (${paramsText(r.params)}) | ${acc(r, kinds.first)} | ${acc(r, kinds.second)} | ${acc(r, kinds.mix)} | ${withInterval(r.delta)} | ${r.better ?? '–'} | ${withInterval(r.deltaMix)} |`,
    ),
  ].join('\n');
}

/** Table 1 (long vs short CoT). */
export function table1Markdown(rows: TableRow[]): string {
  return tableMarkdown(rows, LONG_AXIS);
}

/** In words: how Δ moves with student size, and whether it changes sign by its intervals. */
export function sizeTrend(rows: TableRow[], axis: Axis = LONG_AXIS): string {
  const withDelta = rows.filter((r) => r.delta);
  if (withDelta.length === 0) return '';
  const sign = (r: TableRow) =>
    r.delta!.value - r.delta!.halfWidth > 0 ? 1 : r.delta!.value + r.delta!.halfWidth < 0 ? -1 : 0;
  const values = withDelta.map((r) => `${r.size} ${withInterval(r.delta)}`).join(', ');
  const clear = withDelta.filter((r) => sign(r) !== 0);
  const positive = clear.filter((r) => sign(r) > 0).map((r) => r.size);
  const negative = clear.filter((r) => sign(r) < 0).map((r) => r.size);
  const name = `Δ_${axis.names.first}`;
  let verdict: string;
  if (clear.length === 0) verdict = `no size's interval excludes 0, so at this scale ${name} has no clear sign`;
  else if (positive.length > 0 && negative.length > 0)
    verdict = `it changes sign: negative (${axis.labels.second} better) for ${negative.join(', ')}, positive (${axis.labels.first} better) for ${positive.join(', ')}`;
  else if (positive.length > 0)
    verdict = `it does not change sign: positive (${axis.labels.first} better) for ${positive.join(', ')}${clear.length < withDelta.length ? ', the other sizes within noise' : ''}`;
  else
    verdict = `it does not change sign: negative (${axis.labels.second} better) for ${negative.join(', ')}${clear.length < withDelta.length ? ', the other sizes within noise' : ''}`;
  return `${name} against student size (smallest first): ${values}; ${verdict}.`;
}

const KIND_COLOURS: Record<string, string> = {
  short: '#1f77b4',
  long: '#d62728',
  mix: '#2ca02c',
  'small-teacher': '#9467bd',
  'large-teacher': '#8c564b',
  'mix-large': '#e377c2',
};
const SIZE_DASHES = [undefined, '6 3', '2 2', '8 3 2 3'];

/** Δ (and P_mix − P_second) against student parameters, with ~95% error bars. */
export function deltaSvg(rows: TableRow[], axis: Axis = LONG_AXIS): string {
  const withDelta = rows.filter((r) => r.delta);
  const withMix = rows.filter((r) => r.deltaMix);
  const series: Series[] = [
    {
      name: `Δ_${axis.names.first} = P_${axis.names.first} − P_${axis.names.second}`,
      points: withDelta.map((r) => [r.params, r.delta!.value]),
      errors: withDelta.map((r) => r.delta!.halfWidth),
      color: KIND_COLOURS[axis.kinds.first],
      markers: true,
    },
    {
      name: `P_${axis.names.mix} − P_${axis.names.second}`,
      points: withMix.map((r) => [r.params, r.deltaMix!.value]),
      errors: withMix.map((r) => r.deltaMix!.halfWidth),
      color: KIND_COLOURS[axis.kinds.mix],
      dash: '6 3',
      markers: true,
    },
  ];
  return lineChartSvg({
    title: `${axis.labels.first} vs ${axis.labels.second} against student size (mean over seeds, ~95% intervals)`,
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

/** Training loss per optimizer step, averaged over seeds (colour = data kind, dash = student size). */
export function lossSvg(results: RunResult[]): string {
  const sizes = [...new Set(results.map((r) => r.size))];
  const cells = [...new Set(results.map((r) => `${r.size}\t${r.kind}`))].map((key) => key.split('\t'));
  const series: Series[] = cells.map(([size, kind]) => {
    const runs = results.filter((r) => r.size === size && r.kind === kind);
    const steps = Math.min(...runs.map((r) => r.losses.length));
    const mean = Array.from({ length: steps }, (_, i) => runs.reduce((a, r) => a + r.losses[i], 0) / runs.length);
    const window = Math.max(1, Math.round(steps / 50));
    return {
      name: `${size} ${kind}`,
      points: smooth(mean, window).map((l, i) => [i + 1, l] as [number, number]),
      color: KIND_COLOURS[kind] ?? '#7f7f7f',
      dash: SIZE_DASHES[sizes.indexOf(size) % SIZE_DASHES.length],
    };
  });
  return lineChartSvg({
    title: 'Training loss (mean over seeds, moving average)',
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
    `Accuracy against the weight of long CoT in the mix (${sweep.weights.join(', ')}), the paper's Figure 6, one seed;`,
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

/** `--teachers`: Table 2 and how its data was made. */
function teacherSection(rows: TableRow[], ctx: ReportContext): string[] {
  if (ctx.teachers === undefined || rows.length === 0) return [];
  return [
    '## Large vs small teacher (Table 2 layout)',
    '',
    tableMarkdown(rows, TEACHER_AXIS),
    '',
    sizeTrend(rows, TEACHER_AXIS),
    '',
    '![Δ_large against student size](delta_teachers.svg)',
    '',
    ...ctx.teachers,
    '',
  ];
}

/** The markdown report. */
export function reportMarkdown(
  results: RunResult[],
  rows: TableRow[],
  ctx: ReportContext,
  teacherRows: TableRow[] = [],
): string {
  const t = ctx.task;
  const b = ctx.budget;
  const best = rows
    .flatMap((r) => Object.entries(r.accuracy).map(([kind, c]) => ({ size: r.size, kind, mean: c!.mean })))
    .reduce<{ size: string; kind: string; mean: number } | null>(
      (a, c) => (a === null || c.mean > a.mean ? c : a),
      null,
    );
  const seeds = ctx.seeds.length;
  const lines = [
    '# mixdistill demo: the learnability gap at toy scale',
    '',
    'Tiny Qwen2-architecture students trained from scratch on arithmetic word problems, each on',
    'short CoT, long CoT, and Mix-Long (0.2 long + 0.8 short of the same problems), then evaluated greedily',
    'on held-out problems whose number combinations never occur in training (arXiv 2502.12143, Table 1 layout).',
    '',
    table1Markdown(rows),
    '',
    `Accuracy in percent on ${ctx.testProblems} held-out problems, the mean over ${seeds} seed${seeds === 1 ? '' : 's'} (${ctx.seeds.join(', ')}: each a fresh`,
    'initialisation and data order) ± the half-width of a ~95% interval over seeds (Student t) and problems (normal),',
    'added in quadrature; differences are paired by seed and problem. "Better?" names a side only when the interval',
    `of Δ_long excludes 0. Always answering the most common training answer (${ctx.majority.answer}) scores ${fmt(ctx.majority.accuracy)}%.`,
    // A "best cell" at or below the baseline (a --quick smoke test) would read as a result; say what it is.
    best && best.mean > ctx.majority.accuracy
      ? `Best cell: ${best.size} on ${best.kind} data, ${fmt(best.mean)}%.`
      : `No run beat that baseline: ${b.steps} steps are too few to learn the task. This is a smoke test of the pipeline ` +
        '(what `--quick` is for), not a result; the default run trains the students to accuracy.',
    '',
    sizeTrend(rows),
    '',
    '![Δ_long against student size](delta.svg)',
    '![training loss per run](loss.svg)',
    '',
    ...teacherSection(teacherRows, ctx),
    ...sweepSection(ctx.sweep),
    '## Protocol',
    '',
    `- Task: ${t.minOps}–${t.maxOps} operations on a start value 1–${t.maxStart}; add/remove 1–${t.maxOperand}` +
      `${t.multipliers.length ? `, multiply by ${t.multipliers.join(' or ')}` : ''}; every value within 0–${t.maxValue}.`,
    `- Data: ${ctx.trainProblems} training problems (the same problems for every kind), ${ctx.testProblems} held-out problems` +
      ` (1 in ${t.testEvery} number combinations is held out by a hash, so no test combination is ever trained on); problems and mixes from seed ${b.seed}.`,
    `- Mix-Long: ${ctx.mixCounts.long} long + ${ctx.mixCounts.short} short responses, paired by problem (the train package's mix code).`,
    `- Same optimisation for every run: ${b.steps} AdamW steps of ${b.batchSize} random examples, cosine schedule, peak lr ${b.lr},` +
      ` warm-up ${b.warmupRatio * 100}%, weight decay ${b.weightDecay}, gradient clipping 1.0.`,
    '  Equal optimizer steps with equal examples per step means every kind sees the same problems the same number of times',
    '  (the paper compares data kinds over the same problems and epochs); long CoT therefore costs more tokens and time.',
    `- Evaluation: greedy decoding, at most ${b.maxNewTokens} new tokens, answer = last \\boxed{} (the eval package's extraction and grader).`,
    `- Backend: ${ctx.backend}; ${ctx.jobs} run${ctx.jobs === 1 ? '' : 's'} at once. Wall-clock time of this invocation: ${(ctx.totalSeconds / 60).toFixed(1)} min.`,
    `- Floats: kernel table ${ctx.kernels ?? 'none (not the native backend)'}, ${ctx.threads} thread${ctx.threads === 1 ? '' : 's'} per run.` +
      ' With the same table and thread count a rerun gives bit-identical weights, busy machine or not; another CPU' +
      ' (another table) or thread count sums in another order, so its floats, and at toy scale single runs, differ:' +
      ' that is what the seeds and intervals are for.',
    `- Reproduce: \`${ctx.command}\``,
    '',
    '## Runs',
    '',
    '| run | seed | params | steps | train tokens | train s | eval s | mean response tokens | accuracy |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.size}-${r.kind} | ${r.seed} | ${r.params} | ${r.steps} | ${r.trainTokens} | ${r.trainSeconds.toFixed(0)} | ${r.evalSeconds.toFixed(0)} | ${r.eval.meanTokens.toFixed(1)} | ${fmt(r.eval.accuracy)} (${r.eval.correct}/${r.eval.total}) |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/**
 * Writes report.md, results.json, delta.svg and loss.svg (and delta_teachers.svg with teacher runs)
 * into `outDir`; returns the report's path.
 */
export function writeReport(outDir: string, results: RunResult[], ctx: ReportContext): string {
  const rows = tableRows(results, LONG_AXIS);
  const teacherRows = tableRows(results, TEACHER_AXIS);
  writeFileSync(join(outDir, 'delta.svg'), deltaSvg(rows, LONG_AXIS));
  if (teacherRows.length > 0) writeFileSync(join(outDir, 'delta_teachers.svg'), deltaSvg(teacherRows, TEACHER_AXIS));
  writeFileSync(join(outDir, 'loss.svg'), lossSvg(results));
  const json = {
    table1: rows,
    table2: teacherRows.length > 0 ? teacherRows : null,
    seeds: ctx.seeds,
    majority: ctx.majority,
    task: ctx.task,
    budget: ctx.budget,
    trainProblems: ctx.trainProblems,
    testProblems: ctx.testProblems,
    mixCounts: ctx.mixCounts,
    backend: ctx.backend,
    kernels: ctx.kernels,
    threads: ctx.threads,
    jobs: ctx.jobs,
    sweep: ctx.sweep === undefined ? null : { ...ctx.sweep, runs: undefined, dir: 'sweep' },
    totalSeconds: ctx.totalSeconds,
    command: ctx.command,
    runs: results.map(({ losses, ...rest }) => ({ ...rest, finalLoss: losses.at(-1) ?? null })),
  };
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(json, null, 2)}\n`);
  const file = join(outDir, 'report.md');
  writeFileSync(file, reportMarkdown(results, rows, ctx, teacherRows));
  return file;
}
