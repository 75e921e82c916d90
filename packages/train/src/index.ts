// Public API of @mixdistill/train: SFT data, Mix Distillation mixing, AdamW + schedules, LoRA and the
// training loop with checkpoints and exact resume.
export { readJsonl, BadLineSink } from './data/jsonl';
export type { JsonlRecord, BadLine } from './data/jsonl';
export { parseRecord, detectFormat, SFT_FORMATS } from './data/formats';
export type { SftFormat, SftExample, ChatMessage, FieldOptions } from './data/formats';
export { tokenizeExample } from './data/tokenize';
export type { ChatTokenizer, TokenizedExample, TokenizeOptions } from './data/tokenize';
export { applyCutoff, countTargets, CUTOFF_POLICIES } from './data/cutoff';
export type { CutoffPolicy } from './data/cutoff';
export { collate } from './data/batch';
export type { Batch } from './data/batch';
export { planEpoch, packRows } from './data/plan';
export { loadTrainingData } from './data/dataset';
export type { DataOptions, TrainingData } from './data/dataset';

export { mixRecords } from './mix/mix';
export type { MixSource, MixOptions, MixResult, MixCount } from './mix/mix';
export { writeMix } from './mix/write_mix';
export type { MixMeta } from './mix/write_mix';
export { mixFiles } from './mix/mix_files';
export type { MixFilesOptions } from './mix/mix_files';
export { parseSourceSpec } from './mix/source_spec';
export type { SourceSpec } from './mix/source_spec';

export { AdamW, decaysWeight } from './optim/adamw';
export type { AdamWConfig } from './optim/adamw';
export { learningRate, warmupStepsFromRatio, SCHEDULER_NAMES } from './optim/schedule';
export type { ScheduleConfig, SchedulerName } from './optim/schedule';
export { clipCoefficient } from './optim/clip';

export { train } from './trainer/train';
export type { TrainResult, TrainIO } from './trainer/train';
export { ALL_LORA_TARGETS } from './trainer/config';
export { TRAIN_DEFAULTS, TRAIN_OPTIONS, trainConfigFromFlags } from './trainer/train_options';
export type { TrainOption, TrainOptionGroup, TrainFlags } from './trainer/train_options';
export type { TrainConfig, LoraConfig } from './trainer/config';
export { LoraAdapters, readAdapterConfig, ADAPTER_CONFIG, ADAPTER_WEIGHTS } from './trainer/lora';
export { mergeLora } from './trainer/merge_lora';
export type { MergeLoraOptions } from './trainer/merge_lora';
export { batchLossSum } from './trainer/loss';
export type { ForwardModel } from './trainer/loss';
export { trainStep, NonFiniteStepError } from './trainer/step';
export type { StepOptions, StepResult } from './trainer/step';
export { trainingForward } from './trainer/forward';
export { checkpointedBlocks, recomputeInBackward } from './trainer/recompute';
export type { StepMetrics } from './trainer/metrics';
export { resumeCommandLine, TrainInterrupted } from './trainer/interrupt';
export { listCheckpoints, TRAINER_STATE_FILE, OPTIMIZER_FILE } from './trainer/checkpoint';
export type { TrainerState } from './trainer/checkpoint';
