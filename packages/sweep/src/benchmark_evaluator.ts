// The sweep's evaluator for real models: eval's `evaluate` (local generator, greedy, resumable per
// problem) on the given benchmarks, each weight's model into its own eval/ folder.
import { evaluate, type BenchmarkName, type EvaluateOptions } from '@mixdistill/eval';
import type { SweepEvaluator } from './sweep';

/** What every weight's evaluation shares (the model and the output folder are the sweep's). */
export interface BenchmarkEvalOptions {
  benchmarks: BenchmarkName[];
  /** folder with `<benchmark>/test.jsonl` */
  dataDir: string;
  /** first N problems of each benchmark (file order) */
  limit?: number;
  /** prompt preset name or template file with {problem} */
  prompt: string;
  /** most tokens generated per problem */
  maxNewTokens: number;
  /** prompts decoded together */
  batchSize: number;
  /** folder of tokenizer.json when the trained model has none */
  tokenizerDir?: string;
  /** grader: milliseconds per symbolic comparison */
  timeLimitMs: number;
}

/** A SweepEvaluator that runs eval's `evaluate` greedily and returns correct/total per benchmark. */
export function benchmarkEvaluator(options: BenchmarkEvalOptions): SweepEvaluator {
  return async (modelDir, evalDir, weight) => {
    const evaluateOptions: EvaluateOptions = {
      model: { modelDir, tokenizerDir: options.tokenizerDir, batchSize: options.batchSize },
      benchmarks: options.benchmarks,
      dataDir: options.dataDir,
      limit: options.limit,
      out: evalDir,
      prompt: options.prompt,
      maxNewTokens: options.maxNewTokens,
      // Greedy, as the paper's evaluation.
      temperature: 0,
      topP: 1,
      stop: [],
      seed: 0,
      timeLimitMs: options.timeLimitMs,
      // The key eval's own report plots (`mixdistill report`) read as the Figure 6 x axis.
      metadata: { mixWeight: weight },
    };
    const results = await evaluate(evaluateOptions);
    return Object.fromEntries(
      Object.entries(results.benchmarks).map(([name, r]) => [name, { correct: r!.correct, total: r!.total }]),
    );
  };
}
