// The SFT run (a torchtune-style recipe in one function): data, model, optimizer, the step loop,
// checkpoints, metrics and resume. Semantics follow the Hugging Face Trainer so numbers compare with
// the paper's LLaMA-Factory runs: the schedule is stepped once per optimizer step starting at step 0,
// the loss is normalised over the target tokens of the whole accumulated batch, gradients are clipped
// to a global norm before AdamW.
import fs from 'node:fs';
import path from 'node:path';
import { deriveSeed, MixdistillError } from '@mixdistill/core';
import { loadModel, readModelConfig } from '@mixdistill/models';
import { collate } from '../data/batch';
import { loadTrainingData, type TrainingData } from '../data/dataset';
import { AdamW } from '../optim/adamw';
import { learningRate, warmupStepsFromRatio, type ScheduleConfig } from '../optim/schedule';
import {
  checkFingerprint,
  loadOptimizerState,
  pruneCheckpoints,
  readTrainerState,
  resolveResume,
  saveCheckpoint,
  writeModelFolder,
  type TrainerState,
} from './checkpoint';
import type { TrainConfig } from './config';
import { trainingForward } from './forward';
import { LoraAdapters } from './lora';
import { MetricsLog, type StepMetrics } from './metrics';
import { Progress } from './progress';
import { writeRunInfo } from './run_info';
import { planSteps } from './step_plan';
import { NonFiniteStepError, trainStep, type StepResult } from './step';
import { validateTrainConfig } from './validate';
import { InterruptWatch, interruptedMessage, TrainInterrupted } from './interrupt';
import { cleanUpFailedRun, prepareRunFolder } from './run_folder';
import { lazyTokenizer } from './model_files';

/** What a finished run returns (the CLI prints it). */
export interface TrainResult {
  /** optimizer steps of the whole run */
  totalSteps: number;
  /** steps this call ran (fewer than totalSteps after a resume) */
  stepsRun: number;
  /** metrics of the steps this call ran */
  metrics: StepMetrics[];
  /** OUT/final */
  finalDir: string;
  /** OUT/final-merged with LoRA + --save-merged */
  mergedDir: string | null;
  data: Pick<TrainingData, 'badLines' | 'dropped' | 'truncated'> & { examples: number };
}

/** Where progress goes (stderr by default). */
export interface TrainIO {
  stderr?: NodeJS.WriteStream;
  /** the command line that resumes this run, printed when a signal interrupts it */
  resumeCommand?: string;
}

export async function train(cfg: TrainConfig, io: TrainIO = {}): Promise<TrainResult> {
  validateTrainConfig(cfg);
  const folder = prepareRunFolder(cfg);
  const interrupt = new InterruptWatch(io.stderr ?? process.stderr);
  try {
    return await runTraining(cfg, io, interrupt);
  } catch (err) {
    cleanUpFailedRun(cfg.out, folder);
    throw err;
  } finally {
    interrupt.dispose();
  }
}

async function runTraining(cfg: TrainConfig, io: TrainIO, interrupt: InterruptWatch): Promise<TrainResult> {
  const progressOut = io.stderr ?? process.stderr;
  const resumeDir = resolveResume(cfg.out, cfg.resume);

  // Pre-tokenized data needs no tokenizer (tiny test models have none): it is read only for text data.
  const tokenizer = lazyTokenizer(cfg.tokenizer ?? cfg.model, cfg.tokenizer !== undefined);
  const startConfig = readModelConfig(cfg.model);
  const data = loadTrainingData(cfg.data, tokenizer.get, { ...cfg, vocabSize: startConfig.vocabSize });
  const plan = planSteps(
    data.examples.map((e) => e.inputIds.length),
    { ...cfg, packLen: cfg.packing ? cfg.cutoffLen : null },
  );
  const totalSteps = plan.length;
  const schedule: ScheduleConfig = {
    name: cfg.lrScheduler,
    lr: cfg.lr,
    warmupSteps: cfg.warmupSteps ?? warmupStepsFromRatio(cfg.warmupRatio, totalSteps),
    totalSteps,
  };

  // Full fine-tune resumes from the checkpoint's weights; LoRA from the base model plus its adapter.
  const modelDir = resumeDir && !cfg.lora ? resumeDir : cfg.model;
  const { model } = loadModel(modelDir);
  const lora = cfg.lora ? new LoraAdapters(model, cfg.lora, cfg.seed) : null;
  if (lora) {
    if (resumeDir) lora.load(resumeDir);
    model.setLinearAdapter(lora.adapter);
  }
  const trainable = lora ? lora.trainable() : model.params;
  const optimizer = new AdamW(trainable, {
    beta1: cfg.adamBeta1,
    beta2: cfg.adamBeta2,
    eps: cfg.adamEpsilon,
    weightDecay: cfg.weightDecay,
  });
  const forwardModel = trainingForward(model, cfg.gradCheckpointing, (i) => {
    const names = model.layerParamNames(i);
    return lora ? lora.variablesOf(names) : names.map((n) => model.params.get(n)!);
  });
  const padId = tokenizer.loaded()?.padTokenId ?? model.config.padTokenId ?? 0;

  const fingerprint = {
    model: path.resolve(cfg.model),
    data: cfg.data.map((d) => ({ file: path.resolve(d.file), weight: d.weight })),
    examples: data.examples.length,
    total_steps: totalSteps,
    batch_size: cfg.batchSize,
    grad_accum: cfg.gradAccum,
    shuffle: cfg.shuffle,
    group_by_length: cfg.groupByLength,
    seed: cfg.seed,
    packing: cfg.packing,
    cutoff_len: cfg.cutoffLen,
    lora: cfg.lora,
    schedule,
  };
  let startStep = 0;
  let elapsedBefore = 0;
  let lastCheckpoint: string | null = null;
  if (resumeDir) {
    const state = readTrainerState(resumeDir);
    checkFingerprint(resumeDir, state.fingerprint, fingerprint);
    loadOptimizerState(resumeDir, optimizer, state.global_step);
    startStep = state.data_cursor.next_step;
    elapsedBefore = state.elapsed_s;
    lastCheckpoint = resumeDir;
    progressOut.write(`resumed from ${resumeDir} (step ${startStep} of ${totalSteps})\n`);
  }
  writeRunInfo(path.join(cfg.out, 'run.json'), { cfg, data, totalSteps, schedule, resumedFrom: resumeDir, startStep });

  const metricsLog = new MetricsLog(path.join(cfg.out, 'metrics.jsonl'), startStep);
  const progress = new Progress(totalSteps, progressOut, Date.now(), startStep);
  if (data.badLines.length > 0)
    progress.note(
      `skipped ${data.badLines.length} bad lines (first: ${data.badLines[0].file}:${data.badLines[0].line}: ${data.badLines[0].reason})`,
    );
  if (data.dropped > 0) progress.note(`dropped ${data.dropped} examples longer than --cutoff-len ${cfg.cutoffLen}`);
  for (const w of data.mix?.warnings ?? []) progress.note(`mix: ${w}`);

  const started = Date.now();
  const metrics: StepMetrics[] = [];
  const stateAt = (step: number): TrainerState => ({
    global_step: step,
    epoch: plan[step - 1]?.epoch ?? 0,
    total_steps: totalSteps,
    schedule,
    rng: { seed: cfg.seed, scheme: 'shuffle: seed^epoch; lora dropout: seed^step^micro-batch^module' },
    data_cursor: { next_step: step, epoch: plan[Math.min(step, totalSteps - 1)].epoch },
    fingerprint,
    elapsed_s: elapsedBefore + (Date.now() - started) / 1000,
  });
  const checkpoint = (step: number) => {
    lastCheckpoint = saveCheckpoint(cfg.out, { model, lora, optimizer, state: stateAt(step), baseModelDir: cfg.model });
    pruneCheckpoints(cfg.out, cfg.saveTotalLimit);
  };

  for (let step = startStep; step < totalSteps; step++) {
    const t0 = Date.now();
    const planned = plan[step];
    const batches = planned.microBatches.map((plannedRows) => {
      const rows = plannedRows.map((row) => row.map((i) => data.examples[i]));
      return cfg.paddingFree ? collate([rows.flat()], padId, true) : collate(rows, padId, cfg.packing);
    });
    const lr = learningRate(schedule, step);
    let done: StepResult;
    try {
      done = trainStep(forwardModel, batches, optimizer, {
        lr,
        maxGradNorm: cfg.maxGradNorm,
        beforeMicroBatch: (micro) => {
          if (lora) lora.dropoutSeed = deriveSeed(cfg.seed, step, micro);
        },
      });
    } catch (err) {
      if (!(err instanceof NonFiniteStepError)) throw err;
      throw new MixdistillError(
        `step ${step + 1}: ${err.message}; ` +
          (lastCheckpoint
            ? `last good checkpoint: ${lastCheckpoint}`
            : 'no checkpoint was written yet (use --save-steps)'),
      );
    }
    const seconds = (Date.now() - t0) / 1000;
    const m: StepMetrics = {
      step: step + 1,
      loss: done.loss,
      lr,
      grad_norm: done.gradNorm,
      tokens: done.tokens,
      tokens_per_s: done.tokens / Math.max(seconds, 1e-9),
      elapsed_s: elapsedBefore + (Date.now() - started) / 1000,
      epoch: planned.epoch,
    };
    metrics.push(m);
    metricsLog.append(m);
    progress.step(m);
    if (cfg.saveSteps > 0 && (step + 1) % cfg.saveSteps === 0 && step + 1 < totalSteps) checkpoint(step + 1);
    if ((await interrupt.poll()) && step + 1 < totalSteps) {
      if (lastCheckpoint !== path.join(cfg.out, `checkpoint-${step + 1}`)) checkpoint(step + 1);
      throw new TrainInterrupted(interruptedMessage(step + 1, totalSteps, lastCheckpoint!, io.resumeCommand));
    }
  }
  if (startStep < totalSteps || !lastCheckpoint) checkpoint(totalSteps);

  const finalDir = path.join(cfg.out, 'final');
  // final/ keeps the dtype the model came in (a bf16 model stays bf16) unless --save-dtype says otherwise.
  const saved = { tokenizerDir: cfg.tokenizer, dtype: cfg.saveDtype ?? startConfig.torchDtype };
  writeAtomically(finalDir, (dir) => writeModelFolder(dir, model, lora, cfg.model, saved));
  let mergedDir: string | null = null;
  if (lora && cfg.saveMerged) {
    mergedDir = path.join(cfg.out, 'final-merged');
    lora.mergeInto(model);
    model.setLinearAdapter(null);
    writeAtomically(mergedDir, (dir) => writeModelFolder(dir, model, null, cfg.model, saved));
  }
  writeRunInfo(path.join(cfg.out, 'run.json'), {
    cfg,
    data,
    totalSteps,
    schedule,
    resumedFrom: resumeDir,
    startStep,
    finished: { metrics: metrics.at(-1) ?? null, finalDir, mergedDir },
  });
  optimizer.dispose();
  lora?.dispose();
  model.dispose();
  return {
    totalSteps,
    stepsRun: totalSteps - startStep,
    metrics,
    finalDir,
    mergedDir,
    data: { examples: data.examples.length, badLines: data.badLines, dropped: data.dropped, truncated: data.truncated },
  };
}

/** Writes a folder under a temporary name and renames it into place. */
function writeAtomically(dir: string, write: (tmp: string) => void): void {
  const tmp = path.join(path.dirname(dir), `.tmp-${path.basename(dir)}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  write(tmp);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}
