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
export * from './safetensors';
export * from './ops';
