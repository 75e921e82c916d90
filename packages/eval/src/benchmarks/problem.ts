// One benchmark problem as the runner sees it, whatever file it came from.
import type { BenchmarkName } from './names';

export interface Problem {
  /** Stable id within its benchmark (the file's own id when it has one, else the line number). */
  id: string;
  benchmark: BenchmarkName;
  /** The problem statement given to the model. */
  question: string;
  /** The gold answer, read as the paper's harness reads it (see extract/gold.ts). */
  gold: string;
  /** MATH difficulty 1–5 (MATH and MATH-500 only). */
  level?: number;
  /** MATH subject as a slug: algebra, counting_and_probability, geometry, intermediate_algebra, number_theory, prealgebra, precalculus. */
  subject?: string;
}
