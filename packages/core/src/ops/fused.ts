// The seam between a fused op and a backend's kernel for it.
//
// Each op in this folder first asks whether the active backend registered a kernel under the op's
// `Md…` name (the native backend does, with its gradient registered under the same name); if not,
// it runs its composition of tfjs ops. Registering a kernel is all a backend has to do.
import { tf } from '../tf';

/** Kernel names a backend registers to take over an op; inputs/attrs are documented in each op file. */
export const FUSED_KERNELS = {
  linear: 'MdLinear',
  rmsNorm: 'MdRMSNorm',
  applyRope: 'MdRope',
  causalAttention: 'MdCausalAttention',
  swiglu: 'MdSwiGLU',
  crossEntropySum: 'MdCrossEntropySum',
  linearCrossEntropySum: 'MdLinearCrossEntropySum',
  adamw: 'MdAdamW',
  globalNormSq: 'MdGlobalNormSq',
  linearBf16: 'MdMatMulBf16',
  gatherBf16: 'MdGatherBf16',
  writeInto: 'MdWriteInto',
  decoderLayers: 'MdDecoderLayers',
} as const;

/** Backward kernels a backend registers with the forward ones; the gradients of the fused ops run them. */
export const FUSED_GRAD_KERNELS = {
  linear: 'MdLinearGrad',
  rmsNorm: 'MdRMSNormGrad',
  swiglu: 'MdSwiGLUGrad',
  causalAttention: 'MdCausalAttentionGrad',
  crossEntropySum: 'MdCrossEntropySumGrad',
  linearCrossEntropySum: 'MdLinearCrossEntropySumGrad',
} as const;

/** Whether the active backend has a kernel registered under `name`. */
export function hasFusedKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

/** Runs a registered fused kernel through the engine, so its registered gradient is recorded. */
export function runFusedKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: KernelAttrs = {}): tf.Tensor {
  return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
}

/** Runs a registered kernel with several outputs (e.g. MdAdamW's [param, m, v]). */
export function runFusedKernelOutputs(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: KernelAttrs = {},
): tf.Tensor[] {
  return tf.engine().runKernel(name, inputs, attrs) as unknown as tf.Tensor[];
}

/** Attributes passed to a kernel (tfjs' NamedAttrMap, which tfjs-core does not export by name). */
export type KernelAttrs = NonNullable<Parameters<ReturnType<typeof tf.engine>['runKernel']>[2]>;
