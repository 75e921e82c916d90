export { tf } from './tf';
export type { Tensor, Variable, Rank, DataType, TensorInfo, NamedTensorMap } from './tf';
export {
  selectBackend,
  describeBackend,
  activatableBackends,
  BACKEND_NAMES,
  BackendUnavailableError,
} from './backend/select';
export type { BackendInfo, BackendName } from './backend/select';
export { PRECISIONS, precisionFromEnv, supportedPrecisions, type Precision } from './backend/precision';
export { setNativePrecision } from './backend/native/register';
export { fallbackCounts, fallbackTotal, resetFallbackCounts } from './backend/fallback_counts';
// The cuda backend's checks, for benchmarks/gpu (a GPU session) and tests: what the addon finds on
// this machine, the host-memory fake of the addon, and every kernel case compared with cpu.
export { probeCuda, registerFakeCudaBackend, setCudaMathMode } from './backend/cuda/register';
export { createFakeCudaAddon } from './backend/cuda/fake_addon';
export type { CudaAddon, CudaProbe } from './backend/cuda/cuda_addon';
export { compareWithCpu } from './backend/cuda/kernel_cases';
export { MixdistillError } from './errors';
export { Rng, deriveSeed, hash32 } from './util/rng';
export { ProgressBar, type ProgressBarOptions } from './util/progress';
export { writeFileAtomic } from './safetensors/atomic_file';
export * from './safetensors';
export * from './ops';
