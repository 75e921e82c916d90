// The benchmarks of the paper's Table 3 (plus MATH-500), by the names the CLI and results use.
import { MixdistillError } from '@mixdistill/core';

export type BenchmarkName = 'gsm8k' | 'math' | 'math500' | 'aime24' | 'amc23' | 'olympiadbench';

export const BENCHMARK_NAMES: readonly BenchmarkName[] = [
  'gsm8k',
  'math',
  'math500',
  'aime24',
  'amc23',
  'olympiadbench',
];

export function isBenchmarkName(name: string): name is BenchmarkName {
  return (BENCHMARK_NAMES as readonly string[]).includes(name);
}

/** The five benchmarks averaged in the paper's Table 3 "Average" column, in its column order. */
export const PAPER_AVERAGE_BENCHMARKS: readonly BenchmarkName[] = ['math', 'amc23', 'gsm8k', 'olympiadbench', 'aime24'];

/** Column titles as the paper prints them. */
export const DISPLAY_NAMES: Record<BenchmarkName, string> = {
  math: 'MATH',
  math500: 'MATH-500',
  amc23: 'AMC',
  gsm8k: 'GSM8K',
  olympiadbench: 'OlympiadBench',
  aime24: 'AIME',
};

/** `"gsm8k, math500"` → ['gsm8k', 'math500'] (the `--benchmarks` list); an unknown name is an error. */
export function parseBenchmarkList(list: string): BenchmarkName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const n of names) {
    if (!isBenchmarkName(n))
      throw new MixdistillError(`--benchmarks: unknown "${n}" (expected some of ${BENCHMARK_NAMES.join(', ')})`);
  }
  return names as BenchmarkName[];
}
