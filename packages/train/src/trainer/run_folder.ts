// Who owns OUT: a training run folder knows whose it is (run.json names the model and the data), so a
// second run can never silently mix its checkpoints and metrics into another's, a finished run is
// never overwritten by accident, and an interrupted one is continued rather than restarted.
import fs from 'node:fs';
import path from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import { listCheckpoints } from './checkpoint';
import type { TrainConfig } from './config';

/** What train() learned about OUT before writing anything into it. */
export interface RunFolder {
  /** OUT did not exist (or was empty) and this run created it: removed again if the run fails having written nothing */
  created: boolean;
}

/** Files and folders a training run writes into OUT (what --overwrite removes; nothing else is touched). */
const RUN_ENTRIES = [/^checkpoint-\d+$/, /^final(-merged)?$/, /^metrics\.jsonl$/, /^run\.json$/, /^\.tmp-/];

/** Temporary folders of an interrupted save: `.tmp-<name>-<pid>` (see saveCheckpoint, writeAtomically). */
const TMP_ENTRY = /^\.tmp-.*-(\d+)$/;

/**
 * Checks that `cfg.out` may receive this run and prepares it. Refuses: the model folder itself; a
 * folder that is not a training run; another run's folder, or a finished one (unless `overwrite`);
 * an unfinished run of the same model and data without `--resume` when it has a checkpoint to resume.
 */
export function prepareRunFolder(cfg: TrainConfig & { overwrite?: boolean }): RunFolder {
  const out = path.resolve(cfg.out);
  const model = path.resolve(cfg.model);
  if (out === model || isInside(out, model))
    throw new MixdistillError(
      `--out ${cfg.out} is ${out === model ? 'the' : 'inside the'} --model folder; write the run to another folder`,
    );
  // Starting from another run's final/ or checkpoint: that folder is one this run would replace.
  const modelEntry = isInside(model, out) ? path.relative(out, model).split(path.sep)[0] : null;
  if (modelEntry !== null && RUN_ENTRIES.some((r) => r.test(modelEntry)))
    throw new MixdistillError(
      `--model ${cfg.model} lies in --out ${cfg.out}, whose ${modelEntry} this run would replace; write the run to another folder`,
    );
  if (!fs.existsSync(out) || fs.readdirSync(out).length === 0) {
    const created = !fs.existsSync(out);
    fs.mkdirSync(out, { recursive: true });
    return { created };
  }
  if (!fs.statSync(out).isDirectory()) throw new MixdistillError(`--out ${cfg.out} is a file, not a folder`);
  removeStaleTemporaries(out);

  const info = readRunJson(out);
  const entries = fs.readdirSync(out);
  if (cfg.overwrite) {
    for (const e of entries)
      if (RUN_ENTRIES.some((r) => r.test(e))) fs.rmSync(path.join(out, e), { recursive: true, force: true });
    return { created: false };
  }
  if (info === null) {
    throw new MixdistillError(
      `--out ${cfg.out} is not empty and holds no training run (no run.json); pick an empty or new folder, or pass --overwrite`,
    );
  }
  const sameModel = info.model === model;
  const sameData = JSON.stringify(info.data) === JSON.stringify(cfg.data.map((d) => path.resolve(d.file)));
  if (!sameModel || !sameData)
    throw new MixdistillError(
      `--out ${cfg.out} belongs to another run (${sameModel ? `data ${info.data.join(', ')}` : `model ${info.model}`}); ` +
        'pick another --out, or pass --overwrite to replace it',
    );
  if (info.finished && cfg.resume === false)
    throw new MixdistillError(
      `--out ${cfg.out} holds a finished run (model in ${path.join(cfg.out, 'final')}); pick another --out, or pass --overwrite to train it again`,
    );
  const latest = listCheckpoints(out).at(-1);
  if (cfg.resume === false && latest)
    throw new MixdistillError(
      `--out ${cfg.out} holds an unfinished run of this model and data (last checkpoint ${path.join(cfg.out, path.basename(latest.dir))}); ` +
        'add --resume to continue it, or --overwrite to start again',
    );
  // An unfinished run without a checkpoint has nothing to resume: starting again loses nothing.
  if (cfg.resume === false)
    for (const e of entries) if (/^metrics\.jsonl$|^run\.json$/.test(e)) fs.rmSync(path.join(out, e), { force: true });
  return { created: false };
}

/** After a failed run: removes OUT again when this run created it and nothing worth keeping is in it. */
export function cleanUpFailedRun(out: string, folder: RunFolder): void {
  if (!folder.created || !fs.existsSync(out)) return;
  if (listCheckpoints(out).length > 0) return;
  const keep = fs.readdirSync(out).filter((e) => e !== 'run.json' && e !== 'metrics.jsonl' && !e.startsWith('.tmp-'));
  if (keep.length === 0) fs.rmSync(out, { recursive: true, force: true });
}

/** `.tmp-*-<pid>` left by a save that was killed: removed when that process is gone. */
export function removeStaleTemporaries(out: string): void {
  for (const e of fs.readdirSync(out)) {
    const m = TMP_ENTRY.exec(e);
    if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(out, e), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftovers are from an earlier run with a reused pid
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The identity of the run in OUT (run.json's model and data files), or null when OUT has none. */
function readRunJson(out: string): { model: string; data: string[]; finished: boolean } | null {
  const file = path.join(out, 'run.json');
  if (!fs.existsSync(file)) return null;
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      model?: unknown;
      data?: { file?: unknown }[];
      finished?: unknown;
    };
    if (typeof j.model !== 'string' || !Array.isArray(j.data)) return null;
    return { model: j.model, data: j.data.map((d) => String(d.file)), finished: Boolean(j.finished) };
  } catch {
    throw new MixdistillError(`${file}: not valid JSON; pass --overwrite to replace the run in ${out}`);
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
