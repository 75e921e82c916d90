// `demo --sweep`: the mix-weight sweep (the paper's Figure 6) at toy scale, through the sweep package's
// `runSweep`, the code path of `mixdistill sweep`: each long-CoT weight mixes the demo's long and
// short teacher data paired by problem, trains one student size from its shared initialisation with
// the demo's budget, and is scored greedily on the held-out problems (as the demo's own runs).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ProgressBar } from '@mixdistill/core';
import { runSweep, type SweepSummary } from '@mixdistill/sweep';
import type { DemoData } from './data';
import { evaluateStudent } from './evaluate';
import { initialStudent, runTrainConfig, type RunBudget } from './runs';
import type { StudentSize } from './students';

/** Default `--sweep` weights: both pure sets, the paper's Mix-Long (0.2) and two points between. */
export const DEMO_SWEEP_WEIGHTS = [0, 0.2, 0.5, 0.8, 1];

/** Runs (or resumes) the sweep into `outDir/sweep` for one student size. */
export async function runDemoSweep(
  outDir: string,
  size: StudentSize,
  data: DemoData,
  budget: RunBudget,
  weights: number[],
  command: string,
): Promise<{ summary: SweepSummary; files: { json: string; markdown: string; svg: string } }> {
  const student = initialStudent(outDir, size, data, budget.seed);
  return runSweep({
    weights,
    long: data.trainFiles.long,
    short: data.trainFiles.short,
    out: join(outDir, 'sweep'),
    // Paired on the problem, as the demo's Mix-Long: every weight trains on the same problems.
    mixBy: 'id',
    train: runTrainConfig(student.dir, budget, budget.seed),
    evaluate: async (modelDir, evalDir, weight) => {
      mkdirSync(evalDir, { recursive: true });
      const progress = new ProgressBar(`eval ${size.name} w=${weight}`, data.test.length);
      const result = await evaluateStudent({
        modelDir,
        test: data.test,
        recordsFile: join(evalDir, 'eval.jsonl'),
        maxNewTokens: budget.maxNewTokens,
        batchSize: budget.evalBatchSize,
        progress,
      });
      progress.finish();
      return { [`held-out (${size.name})`]: { correct: result.correct, total: result.total } };
    },
    evaluation: { testProblems: data.test.length, maxNewTokens: budget.maxNewTokens },
    command,
  });
}
