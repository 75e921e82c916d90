import { writeFileSync } from 'node:fs';
import { DEFAULT_CAS_OPTIONS, gradeCases, readJsonl, stopCas } from '@mixdistill/eval';
import type { CommandModule } from 'yargs';

interface Args {
  in: string;
  out?: string;
  'time-limit': number;
  json?: boolean;
}

export const gradeCommand: CommandModule<object, Args> = {
  command: 'grade',
  describe: 'Grade responses against gold answers (extraction + equivalence), e.g. to check the grader',
  builder: (y) =>
    y
      .option('in', {
        type: 'string',
        demandOption: true,
        describe:
          'JSONL, one {prediction, gold, benchmark} per line (benchmark decides how gold is read; default math; other fields are kept)',
      })
      .option('out', {
        type: 'string',
        describe: 'JSONL written with every input field plus "extracted" and "correct" from the grader',
      })
      .option('time-limit', {
        type: 'number',
        default: DEFAULT_CAS_OPTIONS.timeoutMs,
        describe: 'milliseconds one symbolic comparison may take before it counts as not equal',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example(
        '$0 grade --in ../shared/grading/cases.jsonl --out verdicts.jsonl',
        'grade the shared cases; prints the agreement with their "correct" field',
      ),
  handler: (argv) => {
    const cases = readJsonl(argv.in);
    const result = gradeCases(cases, argv.in, { cas: { ...DEFAULT_CAS_OPTIONS, timeoutMs: argv['time-limit'] } });
    stopCas();
    if (argv.out) writeFileSync(argv.out, result.records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const summary = {
      cases: result.records.length,
      correct: result.correct,
      agreement: result.agreement && {
        agree: result.agreement.agree,
        total: result.agreement.total,
        percent: (100 * result.agreement.agree) / result.agreement.total,
        disagreements: result.agreement.disagreements,
      },
    };
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    process.stdout.write(`graded ${summary.cases} cases: ${summary.correct} correct\n`);
    if (summary.agreement) {
      const a = summary.agreement;
      process.stdout.write(`agreement with the input's "correct": ${a.agree}/${a.total} (${a.percent.toFixed(2)}%)\n`);
      for (const id of a.disagreements) process.stdout.write(`  disagrees: ${id}\n`);
    }
  },
};
