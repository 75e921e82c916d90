// OUT/checkpoint-<step>: the model (Hugging Face folder, float32 so a resume loses nothing) or the
// LoRA adapter (peft layout), the optimizer moments, and trainer_state.json — everything a resumed
// run needs to continue with the same floats. Written to a hidden temporary folder and renamed, so a
// checkpoint folder is either complete or absent.
import fs from 'node:fs';
import path from 'node:path';
import { Checkpoint, MixdistillError, writeFileAtomic, writeSafetensors } from '@mixdistill/core';
import { saveModel, type CausalLM, type TorchDtype } from '@mixdistill/models';
import type { AdamW } from '../optim/adamw';
import type { ScheduleConfig } from '../optim/schedule';
import type { LoraAdapters } from './lora';

export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const TRAINER_STATE_FILE = 'trainer_state.json';
const CHECKPOINT_DIR = /^checkpoint-(\d+)$/;

/** trainer_state.json. */
export interface TrainerState {
  /** optimizer steps done */
  global_step: number;
  /** epoch of the last step done */
  epoch: number;
  total_steps: number;
  /** the learning-rate schedule (a pure function of the step) */
  schedule: ScheduleConfig;
  /**
   * Randomness: shuffles use seed ⊕ epoch and LoRA dropout seed ⊕ step ⊕ micro-batch, so the seed
   * and the cursor are the whole RNG state.
   */
  rng: { seed: number; scheme: string };
  /** where the data stream continues: the next step of the saved plan */
  data_cursor: { next_step: number; epoch: number };
  /** settings that must not change across a resume (the data plan and the schedule depend on them) */
  fingerprint: Record<string, unknown>;
  /** training seconds so far */
  elapsed_s: number;
}

/** What a checkpoint holds. */
export interface CheckpointContents {
  model: CausalLM;
  lora: LoraAdapters | null;
  optimizer: AdamW;
  state: TrainerState;
  /** folder of the base model (tokenizer files are copied from it; named in adapter_config.json) */
  baseModelDir: string;
}

/** Writes OUT/checkpoint-<step> atomically; returns its path. */
export function saveCheckpoint(out: string, c: CheckpointContents): string {
  const final = path.join(out, `checkpoint-${c.state.global_step}`);
  const tmp = path.join(out, `.tmp-checkpoint-${c.state.global_step}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  writeModelFolder(tmp, c.model, c.lora, c.baseModelDir);
  writeSafetensors(path.join(tmp, OPTIMIZER_FILE), c.optimizer.stateTensors(), { step: String(c.optimizer.step) });
  writeFileAtomic(path.join(tmp, TRAINER_STATE_FILE), `${JSON.stringify(c.state, null, 2)}\n`);
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(tmp, final);
  return final;
}

/** The trained model: a full Hugging Face folder, or the LoRA adapter in peft's layout. */
export function writeModelFolder(
  dir: string,
  model: CausalLM,
  lora: LoraAdapters | null,
  baseModelDir: string,
  opts: { tokenizerDir?: string; dtype?: TorchDtype } = {},
): void {
  if (lora) lora.save(dir, baseModelDir);
  else {
    // Tokenizer files travel with the model when there are some (tiny test models have none).
    const tokenizerDir = opts.tokenizerDir ?? baseModelDir;
    saveModel(dir, model, {
      ...(fs.existsSync(path.join(tokenizerDir, 'tokenizer.json')) ? { tokenizerDir } : {}),
      ...(opts.dtype ? { dtype: opts.dtype } : {}),
    });
  }
}

/** Checkpoint folders in `out`, oldest step first. */
export function listCheckpoints(out: string): { step: number; dir: string }[] {
  if (!fs.existsSync(out)) return [];
  return fs
    .readdirSync(out)
    .map((name) => ({ m: CHECKPOINT_DIR.exec(name), name }))
    .filter((e) => e.m && fs.existsSync(path.join(out, e.name, TRAINER_STATE_FILE)))
    .map((e) => ({ step: Number(e.m![1]), dir: path.join(out, e.name) }))
    .sort((a, b) => a.step - b.step);
}

/** Removes the oldest checkpoints beyond `limit` (0: keep all), as --save-total-limit. */
export function pruneCheckpoints(out: string, limit: number): void {
  if (!(limit > 0)) return;
  const all = listCheckpoints(out);
  for (const c of all.slice(0, Math.max(0, all.length - limit))) fs.rmSync(c.dir, { recursive: true, force: true });
}

/** `--resume`: true picks the latest checkpoint in `out`, a string names one. */
export function resolveResume(out: string, resume: boolean | string): string | null {
  if (resume === false) return null;
  if (resume === true) {
    const latest = listCheckpoints(out).at(-1);
    if (!latest)
      throw new MixdistillError(`--resume: no checkpoint-<step> folder with ${TRAINER_STATE_FILE} in ${out}`);
    return latest.dir;
  }
  if (!fs.existsSync(path.join(resume, TRAINER_STATE_FILE))) {
    throw new MixdistillError(`--resume ${resume}: not a checkpoint folder (no ${TRAINER_STATE_FILE})`);
  }
  return resume;
}

export function readTrainerState(dir: string): TrainerState {
  const file = path.join(dir, TRAINER_STATE_FILE);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TrainerState;
  } catch (err) {
    throw new MixdistillError(`${file}: cannot read trainer state (${(err as Error).message})`);
  }
}

/** Restores optimizer moments and step from a checkpoint folder. */
export function loadOptimizerState(dir: string, optimizer: AdamW, step: number): void {
  const ckpt = Checkpoint.open(path.join(dir, OPTIMIZER_FILE));
  try {
    optimizer.loadState(step, (name) => {
      if (!ckpt.has(name)) throw new MixdistillError(`${path.join(dir, OPTIMIZER_FILE)}: missing ${name}`);
      return ckpt.readFloat32(name);
    });
  } finally {
    ckpt.close();
  }
}

/** Throws when a setting that shapes the data plan or schedule differs from the checkpoint's. */
export function checkFingerprint(dir: string, saved: Record<string, unknown>, now: Record<string, unknown>): void {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(now)])];
  const changed = keys.filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(now[k]));
  if (changed.length > 0) {
    const what = changed.map((k) => `${k} was ${JSON.stringify(saved[k])}, now ${JSON.stringify(now[k])}`).join('; ');
    throw new MixdistillError(`--resume ${dir}: the run's settings changed (${what}); resume with the same settings`);
  }
}
