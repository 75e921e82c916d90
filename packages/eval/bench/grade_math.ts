// Grades every MATH test gold answer against itself, as a model would write it ("Final Answer:
// $\boxed{…}$"), and again rewritten the way responses differ from golds (`\dfrac`, `\left( \right)`,
// spaces after list commas), so that normalisation, structure matching and the CAS all run.
// Target: 100% correct in both passes, under 60 s on the 2-core reference machine.
//   npx tsx packages/eval/bench/grade_math.ts [path/to/math/test.jsonl]
import { existsSync, readFileSync } from 'node:fs';
import { goldFromRecord } from '../src/extract/gold';
import { stopCas } from '../src/grade/cas';
import { gradeResponse } from '../src/grade/grade';

const file = process.argv[2] ?? new URL('../../../../shared/data/benchmarks/math/test.jsonl', import.meta.url).pathname;
if (!existsSync(file)) {
  process.stderr.write(`grade-math: ${file} not found (pass the MATH test.jsonl path)\n`);
  process.exit(2);
}
const golds = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((line, i) => goldFromRecord('math', JSON.parse(line) as Record<string, unknown>, `${file}:${i + 1}`));

/** The gold as a response might write it; list commas get a space, thousands separators do not. */
function rewrite(gold: string): string {
  return gold
    .replace(/\\frac/g, '\\dfrac')
    .replace(/\(/g, '\\left(')
    .replace(/\)/g, '\\right)')
    .replace(/,(?!\\!|\d{3}|\})/g, ', ');
}

function pass(name: string, toResponse: (gold: string) => string): void {
  const start = performance.now();
  const failures = golds.filter((gold) => !gradeResponse(toResponse(gold), gold, 'math').correct);
  const seconds = (performance.now() - start) / 1000;
  const correct = golds.length - failures.length;
  process.stdout.write(
    `${name}: ${correct}/${golds.length} correct (${((100 * correct) / golds.length).toFixed(2)}%) in ${seconds.toFixed(2)} s\n`,
  );
  for (const f of failures.slice(0, 20)) process.stdout.write(`  not equal: ${f}\n`);
}

pass('MATH golds against themselves', (gold) => `Final Answer: $\\boxed{${gold}}$`);
pass('MATH golds against a rewritten copy', (gold) => `Final Answer: $\\boxed{${rewrite(gold)}}$`);
stopCas();
