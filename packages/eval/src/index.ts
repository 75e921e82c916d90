// Public API of @mixdistill/eval.
export { extractAnswer, lastBoxed } from './extract/extract_answer';
export { goldFromRecord, goldFromCase, gsm8kGold } from './extract/gold';
export { normalizeAnswer } from './grade/normalize';
export { answersEqual, DEFAULT_EQUIVALENCE_OPTIONS, type EquivalenceOptions } from './grade/equivalent';
export { gradeResponse, type Verdict } from './grade/grade';
export { gradeCases, type GradedCases } from './grade/grade_cases';
export { casEqual, stopCas, DEFAULT_CAS_OPTIONS, type CasOptions } from './grade/cas';
export { readJsonl, parseJsonl, appendJsonl, readJsonlTolerant, type JsonlRecord } from './io/jsonl';
export {
  BENCHMARK_NAMES,
  PAPER_AVERAGE_BENCHMARKS,
  DISPLAY_NAMES,
  isBenchmarkName,
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
export { OpenAIGenerator, type OpenAIGeneratorOptions } from './generate/openai';
export { createLocalGenerator, type LocalGeneratorOptions } from './generate/local';
export { runEval, type EvalRunOptions } from './run/eval_runner';
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
export { accuracyBarsSvg, mixWeightSvg, weightedRuns } from './report/svg';
