// Settings for tests of the demo at a scale of seconds (not exported by the package).
import { STUDENT_SIZES } from './students';
import type { DataOptions } from './data';
import type { TaskConfig } from './task';
import type { TeacherAxisOptions } from './teacher_data';

/** One or two additive steps on small numbers: a dozen of them are memorised in a few hundred steps. */
export const EASY_TASK: TaskConfig = {
  minOps: 1,
  maxOps: 2,
  maxStart: 5,
  maxOperand: 2,
  multipliers: [],
  maxValue: 9,
  testEvery: 8,
};

export const EASY_DATA: DataOptions = { task: EASY_TASK, trainProblems: 12, testProblems: 4, seed: 3 };

const tiny = STUDENT_SIZES.find((s) => s.name === 'tiny')!;

/** Two tiny teachers that memorise EASY_DATA's problems in 80 steps. */
export const EASY_AXIS: TeacherAxisOptions = {
  data: EASY_DATA,
  small: { size: tiny, steps: 80 },
  large: { size: tiny, steps: 80 },
  batchSize: 12,
  lr: 1e-2,
  warmupRatio: 0.05,
  weightDecay: 0,
  seed: 5,
  attempts: 3,
  temperature: 0.3,
  topP: 1,
  generationBatchSize: 16,
};
