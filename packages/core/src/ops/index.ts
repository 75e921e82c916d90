// Fused ops: models call these, never hand-written compositions, so every backend gets its fastest path.
export { linear, linearUnfused } from './linear';
export { rmsNorm, rmsNormUnfused } from './rms_norm';
export { applyRope, applyRopeUnfused } from './rope';
export { causalAttention, causalAttentionUnfused } from './attention';
export type { CausalAttentionOptions } from './attention';
export { swiglu, swigluUnfused } from './swiglu';
export { crossEntropySum, crossEntropySumUnfused, IGNORE_INDEX } from './cross_entropy';
export { linearCrossEntropySum, linearCrossEntropySumUnfused } from './linear_cross_entropy';
export { adamwUpdate, adamwStep, adamwStepUnfused } from './adamw';
export type { AdamWState, AdamWHyperParams } from './adamw';
export { globalNormSq, globalNormSqUnfused } from './global_norm';
export {
  bf16Storage,
  bf16Tensor,
  gatherBf16,
  gatherBf16Unfused,
  isBf16,
  linearBf16,
  linearBf16Unfused,
  packBf16,
  widenBf16,
} from './bf16';
export { writeInto, writeIntoUnfused } from './write_into';
export { readInto } from './read_into';
export { canRunDecoderLayers, decoderLayers } from './decoder_layers';
export type {
  DecoderLinearWeights,
  DecoderLayerSlot,
  DecoderStep,
  DecoderLayerWeights,
} from './decoder_layers';
export { FUSED_KERNELS, hasFusedKernel, runFusedKernel, runFusedKernelOutputs } from './fused';
export type { KernelAttrs } from './fused';
