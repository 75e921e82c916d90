// Where `report gap` gets its tagged runs: a manifest (JSON array / {"runs": [...]} / JSONL) and/or run
// folders whose `run.json` / `results.json` carry the tags (`mixdistill eval --meta student=Qwen2.5-0.5B
// --meta kind=long --meta size=0.5` records them under `metadata`). Every entry names a student, the kind of
// data it was trained on, and a score; family and size are derived from the name when not given.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { readDemoResult } from '@mixdistill/eval';
import { DATA_KINDS, type DataKind, type GapRun } from './gap_table';

/**
 * One manifest entry, as written by a user:
 * `{"student": "Qwen2.5-0.5B", "kind": "long", "score": 14.8}` — score in percent — or with
 * `"benchmarks": {"math500": 30.2, ...}` (percent, averaged) or `"run": "runs/q05-long"` (a run folder
 * whose results give the score). Optional: `"size": 0.5` or `"0.5B"`, `"family": "Qwen"`.
 */
type ManifestEntry = Record<string, unknown>;

/** Kind spellings accepted besides the canonical ones (the paper's table headings). */
const KIND_ALIASES: Record<string, DataKind> = {
  'long-cot': 'long',
  'short-cot': 'short',
  large: 'large-teacher',
  small: 'small-teacher',
  large_teacher: 'large-teacher',
  small_teacher: 'small-teacher',
  'mix-long': 'mix',
  'mix-large': 'mix',
};

/** Reads a manifest file; run paths inside it are relative to the manifest's folder. */
export function readGapManifest(file: string): GapRun[] {
  if (!existsSync(file)) throw new MixdistillError(`${file}: manifest not found`);
  const text = readFileSync(file, 'utf8');
  let entries: unknown[];
  if (/\.jsonl$/i.test(file)) {
    entries = text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), i }))
      .filter(({ line }) => line.length > 0)
      .map(({ line, i }) => parseJson(line, `${file}:${i + 1}`));
  } else {
    const doc = parseJson(text, file);
    const list = Array.isArray(doc) ? doc : (doc as { runs?: unknown })?.runs;
    if (!Array.isArray(list)) throw new MixdistillError(`${file}: expected a JSON array of runs or {"runs": [...]}`);
    entries = list;
  }
  return entries.map((entry, i) => entryToRun(entry, `${file} entry ${i + 1}`, dirname(file)));
}

/** Reads the tags and score of one run folder (its `run.json` and `results.json`). */
export function readGapRunFolder(dir: string): GapRun {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new MixdistillError(`${dir}: run folder not found`);
  // A demo run folder (runs/<size>-<kind>-seed<seed>/result.json) carries its own tags and score.
  const demo = existsSync(join(dir, 'results.json')) ? null : readDemoResult(dir);
  if (demo) return entryToRun({ ...demo, size: demo.params / 1e9, score: demo.accuracy }, `${dir} (result.json)`, dir);
  const tags: ManifestEntry = {};
  for (const name of ['run.json', 'results.json']) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    const doc = parseJson(readFileSync(file, 'utf8'), file) as ManifestEntry;
    // Tags may sit at the top level or under "tags" / "metadata" (whichever the writer chose).
    Object.assign(tags, pickTags(doc), pickTags(doc.metadata), pickTags(doc.tags));
  }
  const score = scoreOfRunFolder(dir);
  return entryToRun({ ...tags, score }, `${dir} (run.json/results.json)`, dir);
}

function pickTags(value: unknown): ManifestEntry {
  if (!value || typeof value !== 'object') return {};
  const out: ManifestEntry = {};
  const v = value as ManifestEntry;
  for (const key of ['student', 'family', 'size', 'kind']) if (v[key] !== undefined) out[key] = v[key];
  if (out.kind === undefined && typeof v.data_kind === 'string') out.kind = v.data_kind;
  return out;
}

/**
 * The average score (percent) of a run folder's `results.json` as `mixdistill eval` writes it:
 * `average` (percent; the paper's five-benchmark mean) when not null, else the mean over
 * `benchmarks` whose values are `{accuracy}` or plain numbers, both in percent.
 */
export function scoreOfRunFolder(dir: string): number {
  const file = join(dir, 'results.json');
  const demo = existsSync(file) ? null : readDemoResult(dir);
  if (demo) return demo.accuracy;
  if (!existsSync(file))
    throw new MixdistillError(`${file}: not found (a run folder needs the results of its evaluation)`);
  const doc = parseJson(readFileSync(file, 'utf8'), file) as ManifestEntry;
  for (const key of ['average', 'score']) {
    if (typeof doc[key] === 'number') return doc[key] as number;
  }
  if (doc.benchmarks && typeof doc.benchmarks === 'object')
    return meanOfBenchmarks(doc.benchmarks as ManifestEntry, file);
  throw new MixdistillError(`${file}: expected "average" (percent) or "benchmarks" with per-benchmark scores`);
}

function meanOfBenchmarks(benchmarks: ManifestEntry, where: string): number {
  const scores = Object.entries(benchmarks).map(([name, v]) => {
    if (typeof v === 'number') return v;
    if (v && typeof v === 'object' && typeof (v as ManifestEntry).accuracy === 'number')
      return (v as ManifestEntry).accuracy as number;
    throw new MixdistillError(`${where}: benchmark "${name}" should be a percent or {"accuracy": percent}`);
  });
  if (scores.length === 0) throw new MixdistillError(`${where}: "benchmarks" is empty`);
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

function entryToRun(entry: unknown, where: string, baseDir: string): GapRun {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry))
    throw new MixdistillError(`${where}: expected an object`);
  const e = entry as ManifestEntry;
  if (typeof e.student !== 'string' || e.student.length === 0)
    throw new MixdistillError(`${where}: "student" (a model name) is required`);
  const kind = parseKind(e.kind, where);
  let score: number;
  if (typeof e.score === 'number') score = e.score;
  else if (e.benchmarks && typeof e.benchmarks === 'object')
    score = meanOfBenchmarks(e.benchmarks as ManifestEntry, where);
  else if (typeof e.run === 'string') score = scoreOfRunFolder(resolve(baseDir, e.run));
  else throw new MixdistillError(`${where}: give "score" (percent), "benchmarks" or "run" (a run folder)`);
  if (!Number.isFinite(score)) throw new MixdistillError(`${where}: score is not a finite number`);
  const sizeB = parseSize(e.size, e.student, where);
  const family = typeof e.family === 'string' && e.family ? e.family : familyOf(e.student);
  return { student: e.student, family, sizeB, kind, score };
}

function parseKind(value: unknown, where: string): DataKind {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
  if ((DATA_KINDS as readonly string[]).includes(text)) return text as DataKind;
  const alias = KIND_ALIASES[text];
  if (alias) return alias;
  throw new MixdistillError(
    `${where}: "kind" should be one of ${DATA_KINDS.join(', ')} (got ${JSON.stringify(value)})`,
  );
}

/** Size in billions from a number, "0.5B" / "70b" text, or the student's name. */
function parseSize(value: unknown, student: string, where: string): number {
  if (typeof value === 'number' && value > 0) return value;
  const fromText = (text: string) => {
    const m = /(\d+(?:\.\d+)?)\s*([BM])\b/i.exec(text);
    if (!m) return undefined;
    return Number(m[1]) / (m[2].toUpperCase() === 'M' ? 1000 : 1);
  };
  const size = typeof value === 'string' ? fromText(value) : fromText(student.replace(/[-_]/g, ' '));
  if (size === undefined)
    throw new MixdistillError(`${where}: "size" missing and none in the name "${student}" (give e.g. "size": "1.5B")`);
  return size;
}

/** Family from the name: the leading letters, e.g. "Qwen2.5-0.5B" → "Qwen", "Llama-3.2-1B" → "Llama". */
export function familyOf(student: string): string {
  const m = /^[A-Za-z]+/.exec(student.replace(/^.*\//, ''));
  return m ? m[0][0].toUpperCase() + m[0].slice(1) : student;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MixdistillError(`${where}: not valid JSON (${(err as Error).message})`);
  }
}
