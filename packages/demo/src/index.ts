// Public API of @mixdistill/demo: the learnability gap at toy scale (task, teachers, students, runs,
// report), run end to end by `runDemo`.
export { DEFAULT_DEMO, QUICK_DEMO, runDemo, type DemoConfig } from './pipeline';
export { DEMO_SWEEP_WEIGHTS, runDemoSweep } from './demo_sweep';
export { DEMO_KINDS, MIX_LONG_WEIGHTS, prepareData, type DemoData, type DemoKind } from './data';
export {
  LONG_AXIS,
  table1Markdown,
  tableMarkdown,
  tableRows,
  TEACHER_AXIS,
  writeReport,
  type Axis,
  type ReportContext,
  type TableRow,
} from './report';
export {
  DEFAULT_TEACHER_AXIS,
  prepareTeacherData,
  type TeacherAxisOptions,
  type TeacherData,
} from './teacher_data';
export { runTrainConfig, type RunBudget, type RunResult } from './runs';
export { STUDENT_SIZES, studentSizes, type StudentSize } from './students';
export { DEFAULT_TASK, generateProblems, type TaskConfig } from './task';
export { longSolution, shortSolution, solve, type TeacherStyle } from './teachers';
