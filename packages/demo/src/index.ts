// Public API of @mixdistill/demo: the learnability gap at toy scale (task, teachers, students, runs,
// report), run end to end by `runDemo`.
export { DEFAULT_DEMO, QUICK_DEMO, runDemo, type DemoConfig } from './pipeline';
export { DEMO_SWEEP_WEIGHTS, runDemoSweep } from './demo_sweep';
export { DEMO_KINDS, MIX_LONG_WEIGHTS, prepareData, type DemoData, type DemoKind } from './data';
export { table1Markdown, tableRows, writeReport, type ReportContext, type TableRow } from './report';
export { runTrainConfig, type RunBudget, type RunResult } from './runs';
export { STUDENT_SIZES, studentSizes, type StudentSize } from './students';
export { DEFAULT_TASK, generateProblems, type TaskConfig } from './task';
export { longSolution, shortSolution, solve, type TeacherStyle } from './teachers';
