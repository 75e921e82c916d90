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
export { MixdistillError } from './errors';
export { Rng, deriveSeed, hash32 } from './util/rng';
export { ProgressBar, type ProgressBarOptions } from './util/progress';
export { writeFileAtomic } from './safetensors/atomic_file';
export * from './safetensors';
export * from './ops';
