// Everything a training run is configured by. Flags, defaults (the paper's recipe) and help of each
// field are declared in train_options.ts.
import type { TorchDtype } from '@mixdistill/models';
import type { CutoffPolicy } from '../data/cutoff';
import type { SftFormat } from '../data/formats';
import type { SourceSpec } from '../mix/source_spec';
import type { SchedulerName } from '../optim/schedule';

/** LoRA settings (peft's LoraConfig names). */
export interface LoraConfig {
  /** rank r of the A [r, in] and B [out, r] matrices */
  rank: number;
  /** scaling numerator: the update is (alpha / rank) · B·A·x */
  alpha: number;
  /** dropout on the LoRA branch's input during training */
  dropout: number;
  /** module names to adapt (q_proj, …, down_proj) */
  targets: string[];
}

export interface TrainConfig {
  /** model folder to fine-tune (config.json, weights, tokenizer) */
  model: string;
  /** training files with optional mixing weights */
  data: SourceSpec[];
  /** output folder: checkpoint-<step>/, final/, metrics.jsonl, run.json */
  out: string;

  // --- data
  /** record shape or auto */
  format: SftFormat;
  /** alpaca-like prompt field */
  promptField?: string;
  /** alpaca-like response field */
  responseField?: string;
  /** system prompt added to examples without one */
  systemPrompt?: string;
  /** learn prompt tokens too */
  trainOnPrompt: boolean;
  /** count and skip bad lines */
  skipBadLines: boolean;
  /** maximum tokens per example (null: none) */
  cutoffLen: number | null;
  /** truncate or drop longer examples */
  cutoffPolicy: CutoffPolicy;
  /** pack examples into rows of cutoffLen tokens */
  packing: boolean;
  /**
   * lay each micro-batch's examples end to end in one row (segment ids, positions restarting), as
   * transformers' DataCollatorWithFlattening: the same examples and loss as padding, no pad tokens
   */
  paddingFree: boolean;
  /** on-the-fly mix size (default: the mixing rule's default) */
  mixSize?: number;
  /** pair weighted sources on this field */
  mixBy?: string;

  // --- batching and length of the run
  /** rows per micro-batch */
  batchSize: number;
  /** micro-batches per optimizer step */
  gradAccum: number;
  /** reshuffle every epoch */
  shuffle: boolean;
  /** batch examples of similar length (HF Trainer `group_by_length`) */
  groupByLength: boolean;
  /** seed of shuffling, mixing, LoRA init and dropout */
  seed: number;
  /** epochs to run (ignored when maxSteps is set) */
  epochs: number;
  /** optimizer steps to run (overrides epochs) */
  maxSteps: number | null;

  // --- optimisation
  /** peak learning rate */
  lr: number;
  lrScheduler: SchedulerName;
  /** warm-up steps (takes precedence over warmupRatio) */
  warmupSteps: number | null;
  /** warm-up as a fraction of the total steps */
  warmupRatio: number;
  weightDecay: number;
  adamBeta1: number;
  adamBeta2: number;
  adamEpsilon: number;
  /** global-norm clipping threshold (0: off) */
  maxGradNorm: number;

  // --- model variants
  /** LoRA instead of full fine-tuning */
  lora: LoraConfig | null;
  /** recompute each decoder block in backward instead of keeping its activations */
  gradCheckpointing: boolean;

  // --- checkpoints and logging
  /** save every N optimizer steps (0: only at the end) */
  saveSteps: number;
  /** keep at most this many checkpoint-<step> folders (0: all) */
  saveTotalLimit: number;
  /** with LoRA: also write the merged model to OUT/final-merged */
  saveMerged: boolean;
  /** resume from the latest checkpoint in `out` (true) or from this checkpoint folder */
  resume: boolean | string;
  /** replace a finished run, another run or other files in `out` (`--overwrite`) */
  overwrite?: boolean;
  /** folder of tokenizer.json when the model folder has none (`--tokenizer`) */
  tokenizer?: string;
  /** dtype of final/ (`--save-dtype`; default: the starting model's torch_dtype); checkpoints stay float32 */
  saveDtype?: TorchDtype;
}

/** The LoRA target modules `all` expands to (every linear of a Llama-style block). */
export const ALL_LORA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
