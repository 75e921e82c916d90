// Public API of @mixdistill/models.
export type { ModelConfig, RopeScaling, Llama3RopeScaling, TorchDtype, ConfigJson } from './config';
export { parseModelConfig, modelConfigJson, architectureOf } from './model_config';
export type { Architecture, ModuleNames, LayerModuleNames } from './architectures/architecture';
export { ARCHITECTURES, findArchitecture } from './architectures/registry';
export { CausalLM } from './model/causal_lm';
export type { BlockRunner, ForwardOptions, LinearAdapter, TrainingForwardOptions } from './model/causal_lm';
export type {
  BlockContext,
  BlockOutput,
  DecoderBlock,
  LayerWeights,
  LinearWeights,
  LayerCache,
} from './model/decoder_block';
export { parameterSpecs } from './model/parameters';
export type { ParameterSpec, ParameterInit } from './model/parameters';
export { checkpointWeightDtype, loadModel, readParameters } from './weights/load_model';
export type { LoadedModel, LoadModelOptions, WeightDtype } from './weights/load_model';
export { createModel } from './weights/create_model';
export type { CreateModelOptions } from './weights/create_model';
export { KVCache } from './generation/kv_cache';
export { saveModel, TOKENIZER_FILES } from './weights/save_model';
export { formatInspectReport, inspectCheckpoint } from './weights/inspect_checkpoint';
export { readModelConfig } from './weights/read_config';
export type { InspectedArchitecture, InspectedTensor, InspectReport } from './weights/inspect_checkpoint';
export type { SaveModelOptions } from './weights/save_model';
export { Tokenizer, loadTokenizer } from './tokenizer/tokenizer';
export type { EncodeOptions, DecodeOptions, ApplyChatTemplateOptions } from './tokenizer/tokenizer';
export { ChatTemplate } from './tokenizer/chat_template';
export type { ChatMessage } from './tokenizer/chat_template';
export { generate } from './generation/generate';
export type { GenerateOptions, GenerationResult } from './generation/generate';
export { generateText } from './generation/generate_text';
export { sequenceLogits } from './model/sequence_logits';
export type { GeneratedText, GenerateTextOptions } from './generation/generate_text';
export type { FinishReason } from './generation/stopping_criteria';
export { samplingCandidates, argmax } from './generation/logits_process';
export type { SamplingOptions, Candidates } from './generation/logits_process';
