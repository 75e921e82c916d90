// Public API of @mixdistill/eval.
export { extractAnswer, lastBoxed } from './extract/extract_answer';
export { goldFromRecord, goldFromCase, gsm8kGold } from './extract/gold';
export { normalizeAnswer } from './grade/normalize';
export { answersEqual, DEFAULT_EQUIVALENCE_OPTIONS, type EquivalenceOptions } from './grade/equivalent';
export { gradeResponse, type Verdict } from './grade/grade';
export { gradeCases, gradeFile, type GradedCases, type GradeFileSummary } from './grade/grade_cases';
export { casEqual, stopCas, DEFAULT_CAS_OPTIONS, type CasOptions } from './grade/cas';
export { readJsonl, parseJsonl, appendJsonl, readJsonlTolerant, type JsonlRecord } from './io/jsonl';
export {
  BENCHMARK_NAMES,
  PAPER_AVERAGE_BENCHMARKS,
  DISPLAY_NAMES,
  isBenchmarkName,
  parseBenchmarkList,
  type BenchmarkName,
} from './benchmarks/names';
export type { Problem } from './benchmarks/problem';
export {
  loadBenchmark,
  defaultDataDir,
  benchmarkFile,
  type LoadedBenchmark,
  type LoadOptions,
} from './benchmarks/load';
export { parseSubset, applySubset, subjectSlug, type SubsetFilter } from './benchmarks/subset';
export {
  downloadBenchmark,
  downloadBenchmarks,
  HUB_SOURCES,
  DEFAULT_DOWNLOAD_OPTIONS,
  type DownloadOptions,
  type HubSource,
} from './benchmarks/download';
export { PROMPT_PRESETS, resolvePrompt, renderPrompt, type PromptPreset, type ChatMessage } from './prompts/presets';
export {
  DEFAULT_GENERATION_SETTINGS,
  truncateAtStop,
  type Generator,
  type GenerationRequest,
  type GenerationResult,
  type GenerationSettings,
} from './generate/generator';
export { OpenAIGenerator, type EndpointConnection, type OpenAIGeneratorOptions } from './generate/openai';
export { createLocalGenerator, type LocalGeneratorOptions } from './generate/local';
export { runEval, type EvalRunOptions } from './run/eval_runner';
export { evaluate, type EndpointModel, type EvaluateOptions, type LocalModel } from './run/evaluate';
export {
  score,
  benchmarkResult,
  averageAccuracy,
  averageMembers,
  resultsMarkdown,
  type EvalRecord,
  type EvalResults,
  type BenchmarkResult,
  type Score,
} from './run/results';
export { readDemoResult, demoAsEvalResults, DEMO_RESULT_FILE, type DemoRunResult } from './report/demo_result';
export { loadRun, tableScores, TABLE_COLUMNS, type ReportRun, type TableColumn } from './report/runs';
export { markdownTable, csvTable } from './report/table';
export { accuracyBarsSvg, mixWeightSvg, weightedRuns } from './report/accuracy_plots';
export { compareRuns } from './report/compare_runs';
export { escapeXml, svgDocument } from './report/svg';
export {
  differenceHalfWidth,
  meanAccuracyInterval,
  seedProblemInterval,
  t95,
  wilsonInterval,
  Z95,
  type SeedProblemInterval,
} from './report/intervals';
export { barChartSvg, type Bar, type BarChartOptions, type BarPanel } from './report/bar_chart';
export { lineChartSvg, type ChartSpec, type Series } from './report/line_chart';
export {
  DATA_KINDS,
  LARGE_VS_SMALL,
  LONG_VS_SHORT,
  buildGapRows,
  gapCsv,
  gapMarkdown,
  type DataKind,
  type GapComparison,
  type GapRow,
  type GapRun,
} from './analysis/gap_table';
export { familyOf, readGapManifest, readGapRunFolder, scoreOfRunFolder } from './analysis/gap_runs';
export { buildGapReport, gapReport, gapSvg, type GapSection } from './analysis/gap_report';
export {
  aggregateRankShifts,
  classifyToken,
  DEFAULT_RANK_SHIFT_OPTIONS,
  rankShiftMarkdown,
  rankShiftSvg,
  type RankedToken,
  type RankShiftOptions,
  type RankShiftReport,
} from './analysis/rank_shift';
export { rankResponses, readResponses, type ResponseFields, type ResponseTokenizer } from './analysis/rank_responses';
export { responseTokenRanks, type LogitsModel, type TokenizedResponse } from './analysis/token_ranks';
export { analyzeRankShift, type RankShiftAnalysisOptions } from './analysis/analyze_rank_shift';
