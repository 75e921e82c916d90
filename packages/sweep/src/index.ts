// Public API of @mixdistill/sweep: the mix-weight sweep (the paper's Figure 6), `runSweep`, with the
// benchmark evaluator for real models and the summary/figure writers.
export {
  parseWeights,
  runSweep,
  weightDir,
  type SweepConfig,
  type SweepEvaluator,
  type SweepScores,
  type WeightResult,
} from './sweep';
export { benchmarkEvaluator, type BenchmarkEvalOptions } from './benchmark_evaluator';
export {
  AVERAGE,
  figure6Svg,
  summarise,
  summaryMarkdown,
  writeSweepSummary,
  type SweepPoint,
  type SweepSummary,
} from './summary';
