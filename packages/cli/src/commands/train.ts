// `mixdistill train`: supervised fine-tuning (full or LoRA) on one SFT set or a weighted mix, with the
// paper's recipe as defaults (lr 1e-5, cosine, 2 epochs, AdamW, weight decay 0, no warm-up, clip 1.0).
import { MixdistillError } from '@mixdistill/core';
import {
  ALL_LORA_TARGETS,
  CUTOFF_POLICIES,
  parseSourceSpec,
  SCHEDULER_NAMES,
  SFT_FORMATS,
  train,
  TRAIN_DEFAULTS,
  type CutoffPolicy,
  type SchedulerName,
  type SftFormat,
  type TrainConfig,
} from '@mixdistill/train';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { runFolderConfig, trainResumeCommand, withRunFolderOptions, type RunFolderArgs } from '../train_run_options';

interface Args extends RunFolderArgs {
  model: string;
  data: string[];
  out: string;
  format: string;
  'prompt-field'?: string;
  'response-field'?: string;
  'system-prompt'?: string;
  'train-on-prompt': boolean;
  'skip-bad-lines': boolean;
  'cutoff-len'?: number;
  'cutoff-policy': string;
  packing: boolean;
  'mix-size'?: number;
  'mix-by'?: string;
  'batch-size': number;
  'grad-accum': number;
  shuffle: boolean;
  seed: number;
  epochs: number;
  'max-steps'?: number;
  lr: number;
  'lr-scheduler': string;
  'warmup-steps'?: number;
  'warmup-ratio': number;
  'weight-decay': number;
  'adam-beta1': number;
  'adam-beta2': number;
  'adam-epsilon': number;
  'max-grad-norm': number;
  'lora-rank'?: number;
  'lora-alpha'?: number;
  'lora-dropout': number;
  'lora-target': string;
  'grad-checkpointing': boolean;
  'save-steps': number;
  'save-total-limit': number;
  'save-merged': boolean;
  resume?: string;
  backend?: string;
  json: boolean;
}

const d = TRAIN_DEFAULTS;

export const trainCommand: CommandModule<object, Args> = {
  command: 'train',
  describe:
    'Fine-tune a model on SFT data or a weighted mix (full or LoRA); writes OUT/final, OUT/checkpoint-<step>, OUT/metrics.jsonl',
  builder: (y) =>
    withRunFolderOptions(withBackendOption(y))
      .option('model', { type: 'string', demandOption: true, describe: 'Hugging Face model folder to start from' })
      .option('data', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'JSONL file, FILE:weight to mix several on the fly (repeat)',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'output folder' })
      .group(
        [
          'format',
          'prompt-field',
          'response-field',
          'system-prompt',
          'train-on-prompt',
          'skip-bad-lines',
          'cutoff-len',
          'cutoff-policy',
          'packing',
          'mix-size',
          'mix-by',
        ],
        'Data:',
      )
      .option('format', {
        choices: SFT_FORMATS,
        default: d.format,
        describe: 'record shape: alpaca-like, chat messages, pre-tokenized {input_ids, labels}; auto decides per line',
      })
      .option('prompt-field', {
        type: 'string',
        describe: 'alpaca-like prompt field (default: instruction(+input), prompt or problem)',
      })
      .option('response-field', {
        type: 'string',
        describe: 'alpaca-like response field (default: output, response or solution)',
      })
      .option('system-prompt', { type: 'string', describe: 'system prompt for examples that have none' })
      .option('train-on-prompt', {
        type: 'boolean',
        default: d.trainOnPrompt,
        describe: 'also learn the prompt tokens (default: assistant tokens only)',
      })
      .option('skip-bad-lines', {
        type: 'boolean',
        default: d.skipBadLines,
        describe: 'count and skip bad lines instead of stopping',
      })
      .option('cutoff-len', { type: 'number', describe: 'maximum tokens per example (and the packed row length)' })
      .option('cutoff-policy', {
        choices: CUTOFF_POLICIES,
        default: d.cutoffPolicy,
        describe: 'longer examples: truncate the response end, or drop them',
      })
      .option('packing', {
        type: 'boolean',
        default: d.packing,
        describe: 'pack whole examples into rows of --cutoff-len tokens (isolated attention)',
      })
      .option('mix-size', { type: 'number', describe: 'size of an on-the-fly mix (weighted --data)' })
      .option('mix-by', {
        type: 'string',
        describe: 'pair weighted --data files on this field (one response per value)',
      })
      .group(['batch-size', 'grad-accum', 'shuffle', 'seed', 'epochs', 'max-steps'], 'Batches:')
      .option('batch-size', { type: 'number', default: d.batchSize, describe: 'rows per micro-batch' })
      .option('grad-accum', { type: 'number', default: d.gradAccum, describe: 'micro-batches per optimizer step' })
      .option('shuffle', {
        type: 'boolean',
        default: d.shuffle,
        describe: 'reshuffle every epoch (--no-shuffle keeps file order)',
      })
      .option('seed', { type: 'number', default: d.seed, describe: 'seed of shuffling, mixing, LoRA init and dropout' })
      .option('epochs', { type: 'number', default: d.epochs, describe: 'passes over the data' })
      .option('max-steps', { type: 'number', describe: 'optimizer steps (overrides --epochs)' })
      .group(
        [
          'lr',
          'lr-scheduler',
          'warmup-steps',
          'warmup-ratio',
          'weight-decay',
          'adam-beta1',
          'adam-beta2',
          'adam-epsilon',
          'max-grad-norm',
        ],
        'Optimizer:',
      )
      .option('lr', { type: 'number', default: d.lr, describe: 'peak learning rate' })
      .option('lr-scheduler', { choices: SCHEDULER_NAMES, default: d.lrScheduler, describe: 'schedule after warm-up' })
      .option('warmup-steps', { type: 'number', describe: 'linear warm-up steps (default: from --warmup-ratio)' })
      .option('warmup-ratio', {
        type: 'number',
        default: d.warmupRatio,
        describe: 'warm-up as a fraction of all steps',
      })
      .option('weight-decay', {
        type: 'number',
        default: d.weightDecay,
        describe: 'AdamW decoupled weight decay (not on biases and norms)',
      })
      .option('adam-beta1', { type: 'number', default: d.adamBeta1 })
      .option('adam-beta2', { type: 'number', default: d.adamBeta2 })
      .option('adam-epsilon', { type: 'number', default: d.adamEpsilon })
      .option('max-grad-norm', { type: 'number', default: d.maxGradNorm, describe: 'global-norm clipping (0: off)' })
      .group(
        ['lora-rank', 'lora-alpha', 'lora-dropout', 'lora-target', 'save-merged', 'grad-checkpointing'],
        'LoRA and memory:',
      )
      .option('lora-rank', { type: 'number', describe: 'train LoRA adapters of this rank instead of all weights' })
      .option('lora-alpha', { type: 'number', describe: 'LoRA scaling numerator (default: 2 × rank)' })
      .option('lora-dropout', { type: 'number', default: 0, describe: 'dropout on the LoRA branch input' })
      .option('lora-target', {
        type: 'string',
        default: 'all',
        describe: `comma-separated modules (${ALL_LORA_TARGETS.join(',')}, lm_head) or all`,
      })
      .option('save-merged', {
        type: 'boolean',
        default: d.saveMerged,
        describe: 'with LoRA: also write the merged model to OUT/final-merged',
      })
      .option('grad-checkpointing', {
        type: 'boolean',
        default: d.gradCheckpointing,
        describe: 'recompute each block in backward (less memory, ~30% more compute)',
      })
      .group(['save-steps', 'save-total-limit', 'resume', 'overwrite', 'save-dtype', 'json'], 'Checkpoints:')
      .option('save-steps', {
        type: 'number',
        default: d.saveSteps,
        describe: 'checkpoint every N optimizer steps (0: only at the end)',
      })
      .option('save-total-limit', {
        type: 'number',
        default: d.saveTotalLimit,
        describe: 'keep only the newest N checkpoints (0: all)',
      })
      .option('resume', {
        type: 'string',
        describe: 'continue from the latest checkpoint in --out (no value) or from this checkpoint folder',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary on stdout' })
      .example(
        '$0 train --model ./Qwen2.5-0.5B-Instruct --data mix-long.jsonl --prompt-field problem --response-field solution --out runs/mix-long',
        "the paper's recipe",
      )
      .example(
        '$0 train --model ./m --data long.jsonl:0.2 --data short.jsonl:0.8 --mix-by problem --out runs/mix --lora-rank 8',
        'mix on the fly, LoRA',
      )
      .example(
        '$0 train --model ./m --data d.jsonl --out runs/a --save-steps 100 --resume',
        'resume from the latest checkpoint',
      ),
  handler: async (argv) => {
    const cfg = toTrainConfig(argv);
    await setupBackend(argv.backend);
    const result = await train(cfg, { resumeCommand: trainResumeCommand() });
    const last = result.metrics.at(-1);
    const summary = {
      out: cfg.out,
      final: result.finalDir,
      merged: result.mergedDir,
      total_steps: result.totalSteps,
      steps_run: result.stepsRun,
      final_loss: last?.loss ?? null,
      examples: result.data.examples,
      bad_lines_skipped: result.data.badLines.length,
      dropped_by_cutoff: result.data.dropped,
      truncated_by_cutoff: result.data.truncated,
    };
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else
      process.stdout.write(
        `trained ${summary.steps_run} steps (${summary.total_steps} in the run), final loss ${summary.final_loss?.toFixed(4) ?? '-'}; model in ${summary.final}\n`,
      );
  },
};

/** Flags -> TrainConfig (validated again inside train()). */
export function toTrainConfig(a: Args): TrainConfig {
  const targets =
    a['lora-target'] === 'all'
      ? ALL_LORA_TARGETS
      : a['lora-target']
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (
    a['lora-rank'] === undefined &&
    (a['lora-alpha'] !== undefined || a['lora-dropout'] !== 0 || a['lora-target'] !== 'all')
  ) {
    throw new MixdistillError('--lora-alpha/--lora-dropout/--lora-target need --lora-rank');
  }
  if (a['warmup-steps'] !== undefined && a['warmup-ratio'] !== 0)
    throw new MixdistillError('give --warmup-steps or --warmup-ratio, not both');
  return {
    model: a.model,
    data: a.data.map((s) => parseSourceSpec(s, '--data')),
    out: a.out,
    format: a.format as SftFormat,
    promptField: a['prompt-field'],
    responseField: a['response-field'],
    systemPrompt: a['system-prompt'],
    trainOnPrompt: a['train-on-prompt'],
    skipBadLines: a['skip-bad-lines'],
    cutoffLen: a['cutoff-len'] ?? null,
    cutoffPolicy: a['cutoff-policy'] as CutoffPolicy,
    packing: a.packing,
    mixSize: a['mix-size'],
    mixBy: a['mix-by'],
    batchSize: a['batch-size'],
    gradAccum: a['grad-accum'],
    shuffle: a.shuffle,
    seed: a.seed,
    epochs: a.epochs,
    maxSteps: a['max-steps'] ?? null,
    lr: a.lr,
    lrScheduler: a['lr-scheduler'] as SchedulerName,
    warmupSteps: a['warmup-steps'] ?? null,
    warmupRatio: a['warmup-ratio'],
    weightDecay: a['weight-decay'],
    adamBeta1: a['adam-beta1'],
    adamBeta2: a['adam-beta2'],
    adamEpsilon: a['adam-epsilon'],
    maxGradNorm: a['max-grad-norm'],
    lora:
      a['lora-rank'] === undefined
        ? null
        : { rank: a['lora-rank'], alpha: a['lora-alpha'] ?? 2 * a['lora-rank'], dropout: a['lora-dropout'], targets },
    gradCheckpointing: a['grad-checkpointing'],
    saveSteps: a['save-steps'],
    saveTotalLimit: a['save-total-limit'],
    saveMerged: a['save-merged'],
    resume: a.resume === undefined ? false : a.resume === '' ? true : a.resume,
    ...runFolderConfig(a),
  };
}
