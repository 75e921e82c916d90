// The paper's second axis at toy scale: a large vs a small teacher (arXiv 2502.12143 §3.3, Table 2:
// Qwen2.5-72B-Instruct vs Qwen2.5-3B-Instruct writing the CoT, Δ_large = P_large − P_small) and
// Mix-Large (§4: 0.2 large-teacher + 0.8 small-teacher CoT of the same problems).
//
// Why these two teachers. Table 2's teachers are both instruct models writing ordinary short CoT; the
// long-CoT reasoner (QwQ) is the other axis, Table 1's. Training the large teacher on the long CoT
// would make its data a resampled copy of the long set, Mix-Large a copy of Mix-Long and Δ_large a
// second measurement of Δ_long. What a 72B instruct model adds over a 3B one is capacity, and with it
// a more elaborate, explained solution: so the large teacher is a bigger model trained on the
// elaborate style (elaborate_solution.ts: each step reread, computed and stated in words, ~3x the short
// tokens, no self-checks), and the small teacher a smaller model trained on the terse short CoT
// (teachers.ts). Neither is exact: each is trained here through train's `train`, then asked the
// students' training problems through `distill` (the code path of `mixdistill distill`): sampled at a
// temperature, up to K attempts, the first response the grader accepts kept. The teachers are trained
// on those same problems (the toy has no other source of teacher skill; an instruct model has seen
// problems like its users'). Both are also scored greedily on the held-out split, as the students are.
// At the defaults the large teacher is as accurate or somewhat more (held-out 79 vs 80%, 86 vs 74% at
// two seeds), so Δ_large measures mainly the style the larger model writes, not how often it is right
// (rejection sampling removes wrong answers either way; as in the paper, only the final answer is
// checked, so a kept response may hold a wrong step).
//
// Problems a teacher never solved: the three training files (small, large, Mix-Large) hold only the
// problems BOTH teachers solved, so every kind trains on the same problems and differs only in who
// wrote the solution (as data.ts's long, short and Mix-Long). The counts are in `problems`.
//
// Every stage is reused when the folder holds it: a teacher's initial weights, its trained model, its
// held-out records and its distilled rows (distill resumes by itself), its stats.json, and finally
// teacher_data.json. options.json pins the options a folder was started with. One process per folder:
// prepare the teachers once, then start the students that read their files.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError, ProgressBar, writeFileAtomic } from '@mixdistill/core';
import { DEFAULT_PROBLEM_FIELDS, distill, type DistilledRow, type DistillStats } from '@mixdistill/distill';
import { loadTokenizer } from '@mixdistill/models';
import { mixFiles, train, type MixMeta } from '@mixdistill/train';
import { type DataOptions, type DemoData, writeJsonl } from './data';
import { elaborateSolution } from './elaborate_solution';
import { evaluateStudent, type DemoEvalResult } from './evaluate';
import { readMetrics, runTrainConfig } from './runs';
import { createStudent, STUDENT_SIZES, type StudentSize } from './students';
import { generateProblems } from './task';

/** The two teachers of the axis. */
export const TEACHER_ROLES = ['small', 'large'] as const;
export type TeacherRole = (typeof TEACHER_ROLES)[number];

/** Mix-Large's weights (arXiv 2502.12143 §4: 0.2 large-teacher CoT + 0.8 small-teacher CoT of the same problems). */
export const MIX_LARGE_WEIGHTS: Record<TeacherRole, number> = { large: 0.2, small: 0.8 };

/** One teacher: its shape and how long it is trained. */
export interface TeacherSpec {
  /** model shape */
  size: StudentSize;
  /** optimizer steps of its SFT */
  steps: number;
}

/** Everything the teacher axis needs besides the demo's data. */
export interface TeacherAxisOptions {
  /** the options the demo's data was written with (the large teacher's corpus renders the same problems) */
  data: DataOptions;
  /** trained on the short CoT: Table 2's Qwen2.5-3B-Instruct */
  small: TeacherSpec;
  /** trained on the elaborate CoT: Table 2's Qwen2.5-72B-Instruct */
  large: TeacherSpec;
  /** examples per optimizer step (one micro-batch) */
  batchSize: number;
  /** peak learning rate of the cosine schedule */
  lr: number;
  /** linear warm-up as a fraction of the steps */
  warmupRatio: number;
  /** AdamW decoupled weight decay */
  weightDecay: number;
  /** seed of initialisation and shuffling, of sampling (attempt k samples with seed + k − 1) and of the mix */
  seed: number;
  /** most samples per problem (K); the first one the grader accepts is kept */
  attempts: number;
  /** sampling temperature (> 0, or every attempt repeats the first) */
  temperature: number;
  /** nucleus sampling mass */
  topP: number;
  /** prompts decoded together (sampling and held-out evaluation) */
  generationBatchSize: number;
}

const sizeNamed = (name: string) => STUDENT_SIZES.find((s) => s.name === name) as StudentSize;

/**
 * The default axis at the demo's scale (4,000 training problems, DEFAULT_TASK), calibrated on seeds 101
 * and 102 (native backend, 2 threads). The small teacher ('tiny', 0.11M, 2,000 steps on the short CoT)
 * scores 80.0 / 73.8% greedy on the held-out split and keeps 92.3 / 89.6% of the problems (28.6
 * tokens per response); the large one ('medium', 0.41M, 2,000 steps on the elaborate CoT) 79.2 /
 * 85.8% and 94.2 / 97.3% (88.2 tokens); both solve 3,512 / 3,493. 'tiny', not 'small', is the small
 * teacher: within 2,000 steps 'small' learns the short CoT far worse (seed 101: 39.0% held-out, 58.1%
 * kept, 2,217 shared problems). The stage takes 520-560 s of CPU time, three quarters of it the large
 * teacher's training: about 4.5-6.5 min of wall time on 2 free cores, 15-18 min on the shared (load
 * 8-10) machine it was measured on.
 */
export const DEFAULT_TEACHER_AXIS: Omit<TeacherAxisOptions, 'data' | 'seed'> = {
  small: { size: sizeNamed('tiny'), steps: 2000 },
  large: { size: sizeNamed('medium'), steps: 2000 },
  // The demo students' optimisation (DEFAULT_DEMO's budget).
  batchSize: 16,
  lr: 1e-2,
  warmupRatio: 0.05,
  weightDecay: 0.1,
  // Seed 101: round 1 keeps 79% (small) and 83% (large) of the problems at 0.7; rounds 2-4 add 13 and
  // 11 points, each fewer than the one before.
  attempts: 4,
  temperature: 0.7,
  topP: 1,
  generationBatchSize: 256,
};

/** What one teacher did (its stats.json). */
export interface TeacherStats {
  /** the "teacher" field of its rows */
  name: string;
  /** size name */
  size: string;
  /** trainable parameters */
  params: number;
  /** optimizer steps trained */
  steps: number;
  trainSeconds: number;
  /** greedy accuracy on the demo's held-out split */
  heldOut: DemoEvalResult;
  /** problems with a kept response / problems, 0-1 (distill's acceptance) */
  acceptance: number;
  /** mean tokens of the kept responses (demo tokenizer) */
  meanResponseTokens: number;
  /** distill's whole summary of its rows */
  distill: DistillStats;
  /** seconds of held-out evaluation and sampling together */
  generateSeconds: number;
}

/** The teacher axis's training files and what made them (teacher_data.json). */
export interface TeacherData {
  /** problem/solution JSONL (+ id, teacher) for the demo tokenizer: each teacher's CoT and Mix-Large */
  trainFiles: { small: string; large: string; mixLarge: string };
  /** training problems asked, solved by each teacher, solved by both (the problems of every file) */
  problems: { total: number; small: number; large: number; both: number };
  /** realised Mix-Large draw (train's mix metadata) */
  mix: MixMeta;
  teachers: Record<TeacherRole, TeacherStats>;
}

/** Rows of a JSONL file. */
function readRows<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/**
 * The large teacher's corpus: the demo's training problems (regenerated from `data`'s options, checked
 * against the short file's ids) with the elaborate solution.
 */
function writeElaborateCorpus(file: string, data: DemoData, opts: DataOptions): void {
  if (existsSync(file)) return;
  const problems = generateProblems(opts.task, {
    split: 'train',
    count: opts.trainProblems,
    seed: opts.seed,
    unique: true,
  });
  const key = (id: string, text: string) => `${id}\t${text}`;
  const given = readRows<{ id: string; problem: string }>(data.trainFiles.short).map((r) => key(r.id, r.problem));
  if (given.join('\n') !== problems.map((p) => key(p.id, p.text)).join('\n'))
    throw new MixdistillError(`teacher axis: options.data does not describe the problems of ${data.trainFiles.short}`);
  writeJsonl(
    file,
    problems.map((p) => ({ id: p.id, problem: p.text, solution: elaborateSolution(p), answer: String(p.answer) })),
  );
}

/** Longest response a teacher may write: 1.25x the longest solution it was trained on, in tokens. */
function responseBudget(corpus: string, tokenizerDir: string): number {
  const tokenizer = loadTokenizer(tokenizerDir);
  const longest = Math.max(
    ...readRows<{ solution: string }>(corpus).map(
      (r) => tokenizer.encode(r.solution, { addSpecialTokens: false }).length,
    ),
  );
  return Math.ceil(longest * 1.25) + 1;
}

/** Seconds of a finished training run, from its metrics.jsonl. */
function trainedSeconds(trainDir: string): number {
  return readMetrics(join(trainDir, 'metrics.jsonl')).at(-1)?.elapsed_s ?? 0;
}

/** Trains, scores and distils one teacher, or reads back its stats.json. */
async function runTeacher(
  dir: string,
  role: TeacherRole,
  corpus: string,
  data: DemoData,
  opts: TeacherAxisOptions,
): Promise<TeacherStats> {
  const teacherDir = join(dir, 'teachers', role);
  const statsFile = join(teacherDir, 'stats.json');
  if (existsSync(statsFile)) return JSON.parse(readFileSync(statsFile, 'utf8')) as TeacherStats;
  const spec = opts[role];
  const initDir = join(teacherDir, 'init');
  const paramsFile = join(initDir, 'params.json');
  if (!existsSync(paramsFile)) {
    const params = createStudent(initDir, spec.size, data.vocabSize, data.ids, data.tokenizerDir, opts.seed);
    writeFileAtomic(paramsFile, `${JSON.stringify({ params })}\n`);
  }
  const { params } = JSON.parse(readFileSync(paramsFile, 'utf8')) as { params: number };

  const name = `${role}-teacher`;
  const trainDir = join(teacherDir, 'train');
  const modelDir = join(trainDir, 'final');
  process.stderr.write(
    `\n== ${name}: ${spec.size.name} (${params.toLocaleString('en-US')} params), ${spec.steps} steps on ${corpus}\n`,
  );
  if (!existsSync(join(modelDir, 'config.json'))) {
    await train(
      {
        ...runTrainConfig(initDir, { ...opts, steps: spec.steps }, opts.seed),
        data: [{ file: corpus, weight: null }],
        out: trainDir,
      },
      { resumeCommand: 'the same demo command (finished stages are reused)' },
    );
  }

  const generateStarted = Date.now();
  const maxNewTokens = responseBudget(corpus, data.tokenizerDir);
  const progress = new ProgressBar(`eval ${name}`, data.test.length);
  const heldOut = await evaluateStudent({
    modelDir,
    test: data.test,
    recordsFile: join(teacherDir, 'eval.jsonl'),
    maxNewTokens,
    batchSize: opts.generationBatchSize,
    progress,
  });
  progress.finish();

  // The students' prompt: the problem alone as the user turn, no system prompt (as train renders a
  // problem/solution row and evaluate.ts asks a student).
  const prompt = join(dir, 'prompt.txt');
  writeFileSync(prompt, '{problem}');
  const distilled = await distill({
    teacher: { modelDir, batchSize: opts.generationBatchSize },
    teacherName: name,
    problems: data.trainFiles.short,
    fields: DEFAULT_PROBLEM_FIELDS,
    out: join(teacherDir, 'distilled.jsonl'),
    attempts: opts.attempts,
    keep: 'first-correct',
    prompt,
    temperature: opts.temperature,
    topP: opts.topP,
    maxNewTokens,
    seed: opts.seed,
    timeLimitMs: 5000,
    tokenizer: data.tokenizerDir,
  });
  const stats: TeacherStats = {
    name,
    size: spec.size.name,
    params,
    steps: spec.steps,
    trainSeconds: trainedSeconds(trainDir),
    heldOut,
    acceptance: distilled.acceptanceRate,
    meanResponseTokens: distilled.bySource[name]?.mean ?? Number.NaN,
    distill: distilled,
    generateSeconds: (Date.now() - generateStarted) / 1000,
  };
  writeFileAtomic(statsFile, `${JSON.stringify(stats, null, 2)}\n`);
  process.stderr.write(
    `   ${name}: held-out ${heldOut.accuracy.toFixed(1)}%, acceptance ${(100 * stats.acceptance).toFixed(1)}%, ` +
      `${stats.meanResponseTokens.toFixed(1)} tokens per kept response\n`,
  );
  return stats;
}

/** A teacher's kept rows keyed by problem id (distill's `index` is the line of the problems file). */
function rowsById(distilledFile: string, problemIds: string[]): Map<string, DistilledRow> {
  return new Map(readRows<DistilledRow>(distilledFile).map((r) => [problemIds[r.index], r]));
}

/** Refuses a folder started with other options (its finished stages would not match them). */
function pinOptions(dir: string, opts: TeacherAxisOptions): void {
  const file = join(dir, 'options.json');
  const text = `${JSON.stringify(opts, null, 2)}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') !== text)
    throw new MixdistillError(`${file}: this folder holds teacher data made with other options; use another folder`);
  writeFileAtomic(file, text);
}

/**
 * Trains the small and the large teacher, distils each one's CoT for the demo's training problems and
 * writes the small, large and Mix-Large training files under `dir` (or reuses what `dir` holds).
 * The tensor backend must be selected first.
 */
export async function prepareTeacherData(dir: string, data: DemoData, opts: TeacherAxisOptions): Promise<TeacherData> {
  if (!(opts.temperature > 0))
    throw new MixdistillError(`teacher axis: temperature must be > 0, got ${opts.temperature}`);
  mkdirSync(dir, { recursive: true });
  pinOptions(dir, opts);
  const stamp = join(dir, 'teacher_data.json');
  if (existsSync(stamp)) return JSON.parse(readFileSync(stamp, 'utf8')) as TeacherData;

  const elaborate = join(dir, 'elaborate.jsonl');
  writeElaborateCorpus(elaborate, data, opts.data);
  const corpus: Record<TeacherRole, string> = { small: data.trainFiles.short, large: elaborate };
  const teachers = {} as Record<TeacherRole, TeacherStats>;
  for (const role of TEACHER_ROLES) teachers[role] = await runTeacher(dir, role, corpus[role], data, opts);

  const problemIds = readRows<{ id: string }>(data.trainFiles.short).map((r) => r.id);
  const kept = {
    small: rowsById(join(dir, 'teachers', 'small', 'distilled.jsonl'), problemIds),
    large: rowsById(join(dir, 'teachers', 'large', 'distilled.jsonl'), problemIds),
  };
  const both = problemIds.filter((id) => kept.small.has(id) && kept.large.has(id));
  if (both.length === 0)
    throw new MixdistillError(
      `teacher axis: no training problem was solved by both teachers (small ${kept.small.size}, large ${kept.large.size}); train them longer`,
    );
  const trainFiles = {
    small: join(dir, 'small.jsonl'),
    large: join(dir, 'large.jsonl'),
    mixLarge: join(dir, 'mix-large.jsonl'),
  };
  for (const role of TEACHER_ROLES)
    writeJsonl(
      trainFiles[role],
      both.map((id) => ({ id, ...kept[role].get(id) })),
    );
  const { meta: mix } = mixFiles(
    [
      { file: trainFiles.large, weight: MIX_LARGE_WEIGHTS.large },
      { file: trainFiles.small, weight: MIX_LARGE_WEIGHTS.small },
    ],
    { out: trainFiles.mixLarge, seed: opts.seed, by: 'id', skipBadLines: false },
  );
  const result: TeacherData = {
    trainFiles,
    problems: { total: problemIds.length, small: kept.small.size, large: kept.large.size, both: both.length },
    mix,
    teachers,
  };
  writeFileAtomic(stamp, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
