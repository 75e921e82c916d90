// The demo's per-run `result.json` (`mixdistill demo`: runs/<size>-<kind>-seed<seed>/result.json) read by the
// report commands, so `report` and `report gap` take demo run folders as they take eval's
// (`results.json`). Kept here, below both readers, so there is one reading of the demo's format.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import type { EvalResults } from '../run/results';

export const DEMO_RESULT_FILE = 'result.json';

/** What a demo run's result.json says: the student, its data kind and its held-out accuracy (percent). */
export interface DemoRunResult {
  /** `demo-<size>` (e.g. demo-tiny) */
  student: string;
  kind: string;
  /** the run's seed (one cell of the demo has several); null in results written before seeds */
  seed: number | null;
  params: number;
  accuracy: number;
  correct: number;
  total: number;
}

/** The demo result in `dir`, or null when `dir` has no result.json. */
export function readDemoResult(dir: string): DemoRunResult | null {
  const file = join(dir, DEMO_RESULT_FILE);
  if (!existsSync(file)) return null;
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MixdistillError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const ev = doc.eval as Record<string, unknown> | undefined;
  if (typeof doc.size !== 'string' || typeof doc.kind !== 'string' || typeof ev?.accuracy !== 'number')
    throw new MixdistillError(`${file}: expected the demo's result.json (size, kind, eval.accuracy)`);
  return {
    student: `demo-${doc.size}`,
    kind: doc.kind,
    seed: typeof doc.seed === 'number' ? doc.seed : null,
    params: typeof doc.params === 'number' ? doc.params : 0,
    accuracy: ev.accuracy,
    correct: typeof ev.correct === 'number' ? ev.correct : 0,
    total: typeof ev.total === 'number' ? ev.total : 0,
  };
}

/** A demo result as eval's results.json: no benchmark column, the held-out accuracy as the average. */
export function demoAsEvalResults(r: DemoRunResult): EvalResults {
  return {
    benchmarks: {},
    average: r.accuracy,
    averageOver: [],
    model: r.student,
    generator: { kind: 'demo' },
    prompt: { preset: 'demo', user: '' },
    generation: {},
    metadata: {
      name: `${r.student}-${r.kind}${r.seed === null ? '' : `-seed${r.seed}`}`,
      student: r.student,
      kind: r.kind,
    },
    finished: '',
  };
}
