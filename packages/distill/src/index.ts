// Public API of @mixdistill/distill: build SFT data sets from a teacher by rejection sampling, summarise
// them, and export them for other trainers.
export {
  distill,
  distillFileStats,
  type DistillOptions,
  type EndpointTeacher,
  type LocalTeacher,
} from './distill';
export { DistillOutput, progressFileOf, type DistilledRow, type ProblemProgress } from './distill_output';
export {
  distillStats,
  formatDistillStats,
  lengthDistribution,
  percentile,
  type DistillStats,
  type LengthDistribution,
  type StatsRow,
} from './distill_stats';
export { generatorTeacher } from './generator_teacher';
export { DEFAULT_PROBLEM_FIELDS, readProblems, type Problem, type ProblemFields, type ProblemSet } from './problems';
export {
  distillProblems,
  type AnswerGrader,
  type DistillTeacher,
  type ProgressListener,
  type RejectionSamplingConfig,
  type TeacherResponse,
} from './rejection_sampling';
export {
  EXPORT_FORMATS,
  exportDataset,
  exportSftDataset,
  readConversations,
  type ExportFormat,
  type ExportSummary,
} from './export_formats';
