// Public API of @mixdistill/benchmarks: the throughput measurements `mixdistill bench` runs and the
// model shapes they use. Measurements import only packages' public entries.
export { BENCH_CONFIGS } from './configs';
export type { BenchConfig } from './configs';
export {
  benchMicroBatch,
  measureAttention,
  measureDecode,
  measureMatmul,
  measureMemoryKernels,
  measureTrain,
  measureTrainAlternated,
} from './measure';
export type { AlternatedTrainResult, DecodeResult, KernelResult, MatmulResult, TrainResult } from './measure';
export { measureBatching } from './batching';
export type { BatchingOptions, BatchingResult } from './batching';
export { createTimingCudaAddon, measureHostCost } from './host_cost';
export type { HostCostResult } from './host_cost';
