// The eval runner: for each benchmark, generate the problems not yet in `<out>/<benchmark>.jsonl`,
// grade each response and append its record as soon as it is done; then write results.json and
// results.md from all records. A rerun with the same --out skips what is already there, so a crash
// or Ctrl-C loses at most the responses in flight.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { loadBenchmark, type LoadedBenchmark } from '../benchmarks/load';
import type { BenchmarkName } from '../benchmarks/names';
import type { Problem } from '../benchmarks/problem';
import type { GenerationSettings, Generator } from '../generate/generator';
import type { EquivalenceOptions } from '../grade/equivalent';
import { gradeResponse } from '../grade/grade';
import { judgeAnswer } from '../grade/llm_judge';
import { appendJsonl, readJsonlTolerant } from '../io/jsonl';
import { renderPrompt, type PromptPreset } from '../prompts/presets';
import { averageAccuracy, benchmarkResult, resultsMarkdown, type EvalRecord, type EvalResults } from './results';

export interface EvalRunOptions {
  benchmarks: BenchmarkName[];
  /** Folder with `<benchmark>/test.jsonl`. */
  dataDir: string;
  /** First N problems of each benchmark. */
  limit?: number;
  /** MATH subset filter (applied to math and math500 only). */
  subset?: string;
  /** Output folder: `<benchmark>.jsonl` records, results.json, results.md, run.json. */
  outDir: string;
  /** Model name recorded in the results (the folder, or the served model). */
  model: string;
  generator: Generator;
  prompt: PromptPreset;
  settings: GenerationSettings;
  /** Run metadata recorded in results.json (e.g. mixWeight for the Figure 6 plot). */
  metadata: Record<string, string | number>;
  grading: EquivalenceOptions;
  /** Optional LLM judge for answers the rules reject (recorded as `judged`; off when undefined). */
  judge?: Generator;
  /** Called after each graded problem. */
  onProgress?: (event: { benchmark: BenchmarkName; done: number; total: number; correct: number }) => void;
}

/** What must not change between a run and its resumption (otherwise records would mix settings). */
/** What a resumed run must share with the records already written (the weights' dtype changes the logits). */
function runIdentity(o: EvalRunOptions): Record<string, unknown> {
  const { weights } = o.generator.describe();
  return { model: o.model, prompt: o.prompt, settings: o.settings, ...(weights === undefined ? {} : { weights }) };
}

function checkResumable(outDir: string, identity: Record<string, unknown>): void {
  const file = join(outDir, 'run.json');
  if (existsSync(file)) {
    const previous = readFileSync(file, 'utf8');
    if (previous.trim() !== JSON.stringify(identity, null, 2).trim()) {
      // A run that failed before its first record (a bad flag, a model that did not load) holds nothing
      // to protect: the corrected command starts it again.
      if (!hasRecords(outDir)) {
        writeFileSync(file, `${JSON.stringify(identity, null, 2)}\n`);
        return;
      }
      throw new MixdistillError(
        `${file}: this --out folder holds a run with another model, prompt or generation settings (or weights of another --dtype); use a new --out`,
      );
    }
  } else {
    writeFileSync(file, `${JSON.stringify(identity, null, 2)}\n`);
  }
}

/** True when some `<benchmark>.jsonl` in `outDir` holds a record. */
function hasRecords(outDir: string): boolean {
  return readdirSync(outDir).some((f) => f.endsWith('.jsonl') && readFileSync(join(outDir, f), 'utf8').trim() !== '');
}

function recordsOf(file: string, benchmark: BenchmarkName): EvalRecord[] {
  return readJsonlTolerant(file).filter((r) => r.benchmark === benchmark) as unknown as EvalRecord[];
}

async function runBenchmark(options: EvalRunOptions, loaded: LoadedBenchmark): Promise<EvalRecord[]> {
  const file = join(options.outDir, `${loaded.name}.jsonl`);
  const byId = new Map(recordsOf(file, loaded.name).map((r) => [r.id, r]));
  const pending: Problem[] = loaded.problems.filter((p) => !byId.has(p.id));
  const wanted = new Set(loaded.problems.map((p) => p.id));
  let correct = [...byId.values()].filter((r) => wanted.has(r.id) && r.correct).length;
  let done = loaded.problems.length - pending.length;
  options.onProgress?.({ benchmark: loaded.name, done, total: loaded.problems.length, correct });
  await options.generator.generate(
    pending.map((p) => ({ messages: renderPrompt(options.prompt, p.question) })),
    async (index, result) => {
      const problem = pending[index];
      const verdict = gradeResponse(result.text, problem.gold, loaded.name, options.grading);
      const judged =
        options.judge && !verdict.correct && verdict.extracted !== ''
          ? await judgeAnswer(options.judge, problem.question, problem.gold, verdict.extracted)
          : undefined;
      const record: EvalRecord = {
        id: problem.id,
        benchmark: loaded.name,
        prompt: result.prompt,
        response: result.text,
        extracted: verdict.extracted,
        gold: problem.gold,
        correct: verdict.correct,
        tokens: result.tokens,
        seconds: result.seconds,
        ...(problem.level !== undefined ? { level: problem.level } : {}),
        ...(problem.subject !== undefined ? { subject: problem.subject } : {}),
        ...(judged !== undefined ? { judged } : {}),
      };
      appendJsonl(file, record);
      byId.set(record.id, record);
      done++;
      if (record.correct) correct++;
      options.onProgress?.({ benchmark: loaded.name, done, total: loaded.problems.length, correct });
    },
  );
  // Results cover exactly the problems asked for this time, in file order.
  return loaded.problems.map((p) => byId.get(p.id)!).filter((r) => r !== undefined);
}

/** Runs (or resumes) an evaluation and writes results.json and results.md into outDir. */
export async function runEval(options: EvalRunOptions): Promise<EvalResults> {
  mkdirSync(options.outDir, { recursive: true });
  checkResumable(options.outDir, runIdentity(options));
  // Load every benchmark first: a missing file should fail before any generation time is spent.
  const loaded = options.benchmarks.map((name) =>
    loadBenchmark(options.dataDir, name, {
      limit: options.limit,
      subset: name === 'math' || name === 'math500' ? options.subset : undefined,
    }),
  );
  const benchmarks: EvalResults['benchmarks'] = {};
  for (const l of loaded) {
    const records = await runBenchmark(options, l);
    benchmarks[l.name] = benchmarkResult(l.name, records, l.file, l.sha256, options.judge !== undefined);
  }
  const { average, over } = averageAccuracy(benchmarks);
  const results: EvalResults = {
    benchmarks,
    average,
    averageOver: over,
    model: options.model,
    generator: options.generator.describe(),
    ...(options.judge ? { judge: options.judge.describe() } : {}),
    prompt: { preset: options.prompt.name, system: options.prompt.system, user: options.prompt.user },
    generation: { ...options.settings },
    metadata: options.metadata,
    finished: new Date().toISOString(),
  };
  writeFileSync(join(options.outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(options.outDir, 'results.md'), resultsMarkdown(results));
  return results;
}
