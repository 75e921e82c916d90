// Grades every MATH test gold answer against itself and against its normalisation-free copy wrapped
// as a model would write it ("Final Answer: \boxed{…}"), and reports the time. Target: 100% correct,
// under 60 s on the 2-core reference machine.
//   npx tsx packages/eval/bench/grade-math.ts [path/to/math/test.jsonl]
import { existsSync, readFileSync } from 'node:fs';
import { goldFromRecord } from '../src/extract/gold';
import { gradeResponse } from '../src/grade/grade';
import { stopCas } from '../src/grade/cas';

const file = process.argv[2] ?? new URL('../../../../shared/data/benchmarks/math/test.jsonl', import.meta.url).pathname;
if (!existsSync(file)) {
  process.stderr.write(`grade-math: ${file} not found (pass the MATH test.jsonl path)\n`);
  process.exit(2);
}
const records = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
const start = performance.now();
let correct = 0;
const failures: string[] = [];
records.forEach((line, i) => {
  const record = JSON.parse(line) as Record<string, unknown>;
  const gold = goldFromRecord('math', record, `${file}:${i + 1}`);
  const verdict = gradeResponse(`Final Answer: $\\boxed{${gold}}$`, gold, 'math');
  if (verdict.correct) correct++;
  else failures.push(`${record.unique_id}: ${gold}`);
});
const seconds = (performance.now() - start) / 1000;
stopCas();
process.stdout.write(`graded ${records.length} MATH gold answers against themselves: ${correct} correct (${((100 * correct) / records.length).toFixed(2)}%) in ${seconds.toFixed(2)} s\n`);
for (const f of failures.slice(0, 20)) process.stdout.write(`  not equal: ${f}\n`);
