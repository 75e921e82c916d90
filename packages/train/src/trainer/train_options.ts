// Every setting of a training run declared once: its flag, type, default, help, help group and
// choices. TRAIN_DEFAULTS, the `mixdistill train` options and their help, and the flags -> TrainConfig
// mapping are all derived from TRAIN_OPTIONS (torchtune's one config naming every hyper-parameter).
// A new setting is one TrainConfig field plus one row here (and, if it is not a plain one-to-one
// value, a line in trainConfigFromFlags).
import { MixdistillError } from '@mixdistill/core';
import type { TorchDtype } from '@mixdistill/models';
import { CUTOFF_POLICIES } from '../data/cutoff';
import { SFT_FORMATS } from '../data/formats';
import { parseSourceSpec } from '../mix/source_spec';
import { SCHEDULER_NAMES } from '../optim/schedule';
import { ALL_LORA_TARGETS, type TrainConfig } from './config';

/** `--save-dtype` values and the torch_dtype each saves. */
export const SAVE_DTYPES: Record<string, TorchDtype> = { f32: 'float32', bf16: 'bfloat16', f16: 'float16' };

/** Sections of `mixdistill train --help`, in order. */
export type TrainOptionGroup = 'Data:' | 'Batches:' | 'Optimizer:' | 'LoRA and memory:' | 'Checkpoints:';

/** One command-line setting. */
export interface TrainOption {
  /** flag name without the dashes (`batch-size` for `--batch-size`) */
  flag: string;
  /** TrainConfig field the flag sets as is; none for the flags trainConfigFromFlags combines */
  field?: keyof TrainConfig;
  /** value type on the command line */
  type: 'string' | 'number' | 'boolean';
  /** value when the flag is not given (null: none, the field is null); absent: required or left unset */
  default?: string | number | boolean | null;
  /** the allowed values */
  choices?: readonly string[];
  /** help text */
  describe: string;
  /** help section; none for the required flags shown first */
  group?: TrainOptionGroup;
  /** the flag must be given */
  required?: boolean;
  /** the flag may be repeated (values collected in an array) */
  array?: boolean;
}

/** A row whose default is type-checked against its TrainConfig field. */
function field<K extends keyof TrainConfig>(
  key: K,
  row: Omit<TrainOption, 'field' | 'default'> & { default?: TrainConfig[K] & (string | number | boolean | null) },
): TrainOption {
  return { ...row, field: key };
}

export const TRAIN_OPTIONS: readonly TrainOption[] = [
  field('model', {
    flag: 'model',
    type: 'string',
    required: true,
    describe: 'Hugging Face model folder to start from',
  }),
  {
    flag: 'data',
    type: 'string',
    array: true,
    required: true,
    describe: 'JSONL file, FILE:weight to mix several on the fly (repeat)',
  },
  field('out', { flag: 'out', type: 'string', required: true, describe: 'output folder' }),

  field('format', {
    flag: 'format',
    type: 'string',
    choices: SFT_FORMATS,
    default: 'auto',
    group: 'Data:',
    describe: 'record shape: alpaca-like, chat messages, pre-tokenized {input_ids, labels}; auto decides per line',
  }),
  field('promptField', {
    flag: 'prompt-field',
    type: 'string',
    group: 'Data:',
    describe: 'alpaca-like prompt field (default: instruction(+input), prompt or problem)',
  }),
  field('responseField', {
    flag: 'response-field',
    type: 'string',
    group: 'Data:',
    describe: 'alpaca-like response field (default: output, response or solution)',
  }),
  field('systemPrompt', {
    flag: 'system-prompt',
    type: 'string',
    group: 'Data:',
    describe: 'system prompt for examples that have none',
  }),
  field('tokenizer', {
    flag: 'tokenizer',
    type: 'string',
    group: 'Data:',
    describe: 'folder with tokenizer.json when --model has none (read only for text data)',
  }),
  field('trainOnPrompt', {
    flag: 'train-on-prompt',
    type: 'boolean',
    default: false,
    group: 'Data:',
    describe: 'also learn the prompt tokens (default: assistant tokens only)',
  }),
  field('skipBadLines', {
    flag: 'skip-bad-lines',
    type: 'boolean',
    default: false,
    group: 'Data:',
    describe: 'count and skip bad lines instead of stopping',
  }),
  field('cutoffLen', {
    flag: 'cutoff-len',
    type: 'number',
    default: null,
    group: 'Data:',
    describe: 'maximum tokens per example (and the packed row length)',
  }),
  field('cutoffPolicy', {
    flag: 'cutoff-policy',
    type: 'string',
    choices: CUTOFF_POLICIES,
    default: 'truncate',
    group: 'Data:',
    describe: 'longer examples: truncate the response end, or drop them',
  }),
  field('packing', {
    flag: 'packing',
    type: 'boolean',
    default: false,
    group: 'Data:',
    describe: 'pack whole examples into rows of --cutoff-len tokens (isolated attention)',
  }),
  field('paddingFree', {
    flag: 'padding-free',
    type: 'boolean',
    default: false,
    group: 'Data:',
    describe:
      "lay each micro-batch's examples end to end in one row with isolated attention (transformers' DataCollatorWithFlattening): the same batches and loss as padding without computing pads; faster when lengths differ, e.g. Mix-Long",
  }),
  field('mixSize', {
    flag: 'mix-size',
    type: 'number',
    group: 'Data:',
    describe: 'size of an on-the-fly mix (weighted --data)',
  }),
  field('mixBy', {
    flag: 'mix-by',
    type: 'string',
    group: 'Data:',
    describe: 'pair weighted --data files on this field (one response per value)',
  }),

  field('batchSize', {
    flag: 'batch-size',
    type: 'number',
    default: 1,
    group: 'Batches:',
    describe: 'rows per micro-batch',
  }),
  field('gradAccum', {
    flag: 'grad-accum',
    type: 'number',
    default: 1,
    group: 'Batches:',
    describe: 'micro-batches per optimizer step',
  }),
  field('shuffle', {
    flag: 'shuffle',
    type: 'boolean',
    default: true,
    group: 'Batches:',
    describe: 'reshuffle every epoch (--no-shuffle keeps file order)',
  }),
  field('groupByLength', {
    flag: 'group-by-length',
    type: 'boolean',
    default: false,
    group: 'Batches:',
    describe:
      'batch examples of similar length, as the HF Trainer group_by_length (sorted groups of 50 batches): less padding when long and short responses mix',
  }),
  field('seed', {
    flag: 'seed',
    type: 'number',
    default: 42,
    group: 'Batches:',
    describe: 'seed of shuffling, mixing, LoRA init and dropout',
  }),
  // The paper's recipe (Mix Distillation §5: LLaMA-Factory full fine-tune, lr 1e-5, cosine, 2 epochs,
  // AdamW, no weight decay, no warm-up) and the HF Trainer's defaults for the rest.
  field('epochs', { flag: 'epochs', type: 'number', default: 2, group: 'Batches:', describe: 'passes over the data' }),
  field('maxSteps', {
    flag: 'max-steps',
    type: 'number',
    default: null,
    group: 'Batches:',
    describe: 'optimizer steps (overrides --epochs)',
  }),

  field('lr', { flag: 'lr', type: 'number', default: 1e-5, group: 'Optimizer:', describe: 'peak learning rate' }),
  field('lrScheduler', {
    flag: 'lr-scheduler',
    type: 'string',
    choices: SCHEDULER_NAMES,
    default: 'cosine',
    group: 'Optimizer:',
    describe: 'schedule after warm-up',
  }),
  field('warmupSteps', {
    flag: 'warmup-steps',
    type: 'number',
    default: null,
    group: 'Optimizer:',
    describe: 'linear warm-up steps (default: from --warmup-ratio)',
  }),
  field('warmupRatio', {
    flag: 'warmup-ratio',
    type: 'number',
    default: 0,
    group: 'Optimizer:',
    describe: 'warm-up as a fraction of all steps',
  }),
  field('weightDecay', {
    flag: 'weight-decay',
    type: 'number',
    default: 0,
    group: 'Optimizer:',
    describe: 'AdamW decoupled weight decay (not on biases and norms)',
  }),
  field('adamBeta1', { flag: 'adam-beta1', type: 'number', default: 0.9, group: 'Optimizer:', describe: 'AdamW β1' }),
  field('adamBeta2', { flag: 'adam-beta2', type: 'number', default: 0.999, group: 'Optimizer:', describe: 'AdamW β2' }),
  field('adamEpsilon', {
    flag: 'adam-epsilon',
    type: 'number',
    default: 1e-8,
    group: 'Optimizer:',
    describe: 'AdamW ε',
  }),
  field('maxGradNorm', {
    flag: 'max-grad-norm',
    type: 'number',
    default: 1,
    group: 'Optimizer:',
    describe: 'global-norm clipping (0: off)',
  }),

  // The four LoRA flags make TrainConfig.lora together (trainConfigFromFlags).
  {
    flag: 'lora-rank',
    type: 'number',
    group: 'LoRA and memory:',
    describe: 'train LoRA adapters of this rank instead of all weights',
  },
  {
    flag: 'lora-alpha',
    type: 'number',
    group: 'LoRA and memory:',
    describe: 'LoRA scaling numerator (default: 2 × rank)',
  },
  {
    flag: 'lora-dropout',
    type: 'number',
    default: 0,
    group: 'LoRA and memory:',
    describe: 'dropout on the LoRA branch input',
  },
  {
    flag: 'lora-target',
    type: 'string',
    default: 'all',
    group: 'LoRA and memory:',
    describe: `comma-separated modules (${ALL_LORA_TARGETS.join(',')}, lm_head) or all`,
  },
  field('saveMerged', {
    flag: 'save-merged',
    type: 'boolean',
    default: false,
    group: 'LoRA and memory:',
    describe: 'with LoRA: also write the merged model to OUT/final-merged',
  }),
  field('gradCheckpointing', {
    flag: 'grad-checkpointing',
    type: 'boolean',
    default: false,
    group: 'LoRA and memory:',
    describe: 'recompute each block in backward (less memory, ~30% more compute)',
  }),

  field('saveSteps', {
    flag: 'save-steps',
    type: 'number',
    default: 0,
    group: 'Checkpoints:',
    describe: 'checkpoint every N optimizer steps (0: only at the end)',
  }),
  field('saveTotalLimit', {
    flag: 'save-total-limit',
    type: 'number',
    default: 0,
    group: 'Checkpoints:',
    describe: 'keep only the newest N checkpoints (0: all)',
  }),
  // A flag given without a value (`--resume`) reads as '': the latest checkpoint in --out.
  {
    flag: 'resume',
    type: 'string',
    group: 'Checkpoints:',
    describe: 'continue from the latest checkpoint in --out (no value) or from this checkpoint folder',
  },
  field('overwrite', {
    flag: 'overwrite',
    type: 'boolean',
    default: false,
    group: 'Checkpoints:',
    describe: 'replace what --out holds (another run, a finished run); without it such an --out is refused',
  }),
  // Maps onto TrainConfig.saveDtype through SAVE_DTYPES (trainConfigFromFlags).
  {
    flag: 'save-dtype',
    type: 'string',
    choices: Object.keys(SAVE_DTYPES),
    group: 'Checkpoints:',
    describe: "dtype of OUT/final (default: the model's own torch_dtype; checkpoints stay f32)",
  },
];

/** Parsed flag values by flag name (what yargs gives for TRAIN_OPTIONS). */
export type TrainFlags = Record<string, unknown>;

/** The paper's recipe and the HF Trainer's defaults for everything not given. */
export const TRAIN_DEFAULTS = {
  ...Object.fromEntries(TRAIN_OPTIONS.filter((o) => o.field && 'default' in o).map((o) => [o.field, o.default])),
  lora: null,
  resume: false,
} as Omit<TrainConfig, 'model' | 'data' | 'out'>;

/** Flag values -> TrainConfig (validated again inside train()). */
export function trainConfigFromFlags(flags: TrainFlags): TrainConfig {
  const cfg: Record<string, unknown> = { ...TRAIN_DEFAULTS };
  for (const o of TRAIN_OPTIONS) {
    if (!o.field) continue;
    const value = flags[o.flag];
    if (value !== undefined) cfg[o.field] = value;
  }
  cfg.data = (flags.data as string[]).map((s) => parseSourceSpec(s, '--data'));
  cfg.lora = loraFromFlags(flags);
  const resume = flags.resume as string | undefined;
  cfg.resume = resume === undefined ? false : resume === '' ? true : resume;
  const saveDtype = flags['save-dtype'] as string | undefined;
  if (saveDtype !== undefined) cfg.saveDtype = SAVE_DTYPES[saveDtype];
  if (flags['warmup-steps'] !== undefined && flags['warmup-ratio'] !== 0)
    throw new MixdistillError('give --warmup-steps or --warmup-ratio, not both');
  return cfg as unknown as TrainConfig;
}

function loraFromFlags(flags: TrainFlags): TrainConfig['lora'] {
  const rank = flags['lora-rank'] as number | undefined;
  const alpha = flags['lora-alpha'] as number | undefined;
  const dropout = (flags['lora-dropout'] as number | undefined) ?? 0;
  const target = (flags['lora-target'] as string | undefined) ?? 'all';
  if (rank === undefined) {
    if (alpha !== undefined || dropout !== 0 || target !== 'all')
      throw new MixdistillError('--lora-alpha/--lora-dropout/--lora-target need --lora-rank');
    return null;
  }
  const targets =
    target === 'all'
      ? ALL_LORA_TARGETS
      : target
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  return { rank, alpha: alpha ?? 2 * rank, dropout, targets };
}
