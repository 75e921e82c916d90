// results.json: per-benchmark accuracy and counts, MATH by level and subject, the paper's Average,
// and everything needed to reproduce the run (model, generation settings, data files + SHA-256).
import type { BenchmarkName } from '../benchmarks/names';
import { DISPLAY_NAMES, PAPER_AVERAGE_BENCHMARKS } from '../benchmarks/names';

/** One graded problem, as written to `<out>/<benchmark>.jsonl`. */
export interface EvalRecord {
  id: string;
  benchmark: BenchmarkName;
  prompt: string;
  response: string;
  extracted: string;
  gold: string;
  correct: boolean;
  tokens: number;
  seconds: number;
  level?: number;
  subject?: string;
  /** The LLM judge's verdict, present only when a judge was asked (rules said no, an answer was found). */
  judged?: boolean;
}

export interface Score {
  /** Percent correct, 0–100. */
  accuracy: number;
  correct: number;
  total: number;
}

export interface BenchmarkResult extends Score {
  file: string;
  sha256: string;
  /** Mean generated tokens per problem. */
  meanTokens: number;
  /** Sum of per-problem generation seconds. */
  seconds: number;
  /** MATH and MATH-500: scores per level (1–5) and per subject. */
  byLevel?: Record<string, Score>;
  bySubject?: Record<string, Score>;
  /** With an LLM judge: problems correct by the rules or accepted by the judge (percent and count). */
  judgedAccuracy?: number;
  judgedCorrect?: number;
}

export interface EvalResults {
  benchmarks: Partial<Record<BenchmarkName, BenchmarkResult>>;
  /** Mean accuracy over the paper's five columns that were evaluated (see averageOver); null if none. */
  average: number | null;
  /** Which benchmarks the average covers (MATH-500 stands in for MATH when only it was run). */
  averageOver: BenchmarkName[];
  model: string;
  generator: Record<string, unknown>;
  /** The LLM judge, when one was used. */
  judge?: Record<string, unknown>;
  prompt: { preset: string; system?: string; user: string };
  generation: Record<string, unknown>;
  /** Free-form run metadata (`--meta key=value`), e.g. mixWeight for Figure 6. */
  metadata: Record<string, string | number>;
  finished: string;
}

export function score(records: { correct: boolean }[]): Score {
  const correct = records.filter((r) => r.correct).length;
  return { accuracy: records.length === 0 ? 0 : (100 * correct) / records.length, correct, total: records.length };
}

function groupScores(records: EvalRecord[], key: (r: EvalRecord) => string | undefined): Record<string, Score> {
  const groups = new Map<string, EvalRecord[]>();
  for (const r of records) {
    const k = key(r);
    if (k === undefined) continue;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  return Object.fromEntries([...groups.keys()].sort().map((k) => [k, score(groups.get(k)!)]));
}

/** Scores of one benchmark from its records. */
export function benchmarkResult(
  name: BenchmarkName,
  records: EvalRecord[],
  file: string,
  sha256: string,
  withJudge = false,
): BenchmarkResult {
  const result: BenchmarkResult = {
    ...score(records),
    file,
    sha256,
    meanTokens: records.length === 0 ? 0 : records.reduce((s, r) => s + r.tokens, 0) / records.length,
    seconds: records.reduce((s, r) => s + r.seconds, 0),
  };
  if (withJudge) {
    result.judgedCorrect = records.filter((r) => r.correct || r.judged === true).length;
    result.judgedAccuracy = records.length === 0 ? 0 : (100 * result.judgedCorrect) / records.length;
  }
  if (name === 'math' || name === 'math500') {
    result.byLevel = groupScores(records, (r) => (r.level === undefined ? undefined : String(r.level)));
    result.bySubject = groupScores(records, (r) => r.subject);
  }
  return result;
}

/** The benchmarks of the paper's Average that these results hold, MATH-500 standing in for a missing MATH. */
export function averageMembers(benchmarks: Partial<Record<BenchmarkName, unknown>>): BenchmarkName[] {
  return PAPER_AVERAGE_BENCHMARKS.map((b) =>
    b === 'math' && !benchmarks.math && benchmarks.math500 ? 'math500' : b,
  ).filter((b) => benchmarks[b] !== undefined);
}

export function averageAccuracy(benchmarks: Partial<Record<BenchmarkName, Score>>): {
  average: number | null;
  over: BenchmarkName[];
} {
  const over = averageMembers(benchmarks);
  if (over.length === 0) return { average: null, over };
  return { average: over.reduce((s, b) => s + benchmarks[b]!.accuracy, 0) / over.length, over };
}

/** A markdown summary of one run. */
export function resultsMarkdown(results: EvalResults): string {
  const names = Object.keys(results.benchmarks) as BenchmarkName[];
  const lines = [
    `# ${results.model}`,
    '',
    `prompt: ${results.prompt.preset}; generation: ${JSON.stringify(results.generation)}`,
    '',
    '| benchmark | accuracy | correct | total | mean tokens |',
    '|---|---:|---:|---:|---:|',
    ...names.map((n) => {
      const r = results.benchmarks[n]!;
      return `| ${DISPLAY_NAMES[n]} | ${r.accuracy.toFixed(1)} | ${r.correct} | ${r.total} | ${r.meanTokens.toFixed(0)} |`;
    }),
  ];
  for (const n of names) {
    const r = results.benchmarks[n]!;
    if (r.judgedAccuracy !== undefined)
      lines.push(
        `| ${DISPLAY_NAMES[n]} with the LLM judge | ${r.judgedAccuracy.toFixed(1)} | ${r.judgedCorrect} | ${r.total} | |`,
      );
  }
  if (results.average !== null)
    lines.push(
      `| **Average** (${results.averageOver.map((b) => DISPLAY_NAMES[b]).join(', ')}) | ${results.average.toFixed(1)} | | | |`,
    );
  for (const n of names) {
    const r = results.benchmarks[n]!;
    if (!r.byLevel) continue;
    lines.push(
      '',
      `## ${DISPLAY_NAMES[n]} by level and subject`,
      '',
      '| group | accuracy | correct | total |',
      '|---|---:|---:|---:|',
    );
    for (const [k, s] of Object.entries(r.byLevel))
      lines.push(`| Level ${k} | ${s.accuracy.toFixed(1)} | ${s.correct} | ${s.total} |`);
    for (const [k, s] of Object.entries(r.bySubject ?? {}))
      lines.push(`| ${k} | ${s.accuracy.toFixed(1)} | ${s.correct} | ${s.total} |`);
  }
  return `${lines.join('\n')}\n`;
}
