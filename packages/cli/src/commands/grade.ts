// `mixdistill grade`: grade a file of responses against gold answers (to check the grader).
import { DEFAULT_CAS_OPTIONS, gradeFile } from '@mixdistill/eval';
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
    const summary = gradeFile(argv.in, { outFile: argv.out, timeLimitMs: argv['time-limit'] });
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
