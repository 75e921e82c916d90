// Test helpers other packages use: `@mixdistill/train/testing`. Not part of the library proper:
// the golden SFT run as a TrainConfig (the GPU check runs it on `cuda`) and its metrics.
export { goldenConfig, readMetrics, silent } from './golden_run';
