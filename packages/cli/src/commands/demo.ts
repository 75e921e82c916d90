// `mixdistill demo`: the paper's central question answered at toy scale on a laptop CPU. Builds an
// arithmetic word-problem task with a short-CoT and a long-CoT teacher, trains tiny Qwen2 students
// from scratch on short, long and Mix-Long data, evaluates them greedily on held-out problems and
// writes the paper's Table 1 with plots. Resumable: finished runs in --out are reused.
import { MixdistillError } from '@mixdistill/core';
import { parseWeights } from '@mixdistill/sweep';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_DEMO,
  DEFAULT_TEACHER_AXIS,
  DEMO_SWEEP_WEIGHTS,
  QUICK_DEMO,
  runDemo,
  STUDENT_SIZES,
  table1Markdown,
  tableMarkdown,
  tableRows,
  TEACHER_AXIS,
  type DemoConfig,
} from '@mixdistill/demo';

interface Args {
  out: string;
  seed?: number;
  seeds?: number;
  jobs?: number;
  sizes?: string;
  steps?: number;
  quick: boolean;
  teachers: boolean;
  sweep?: string;
  backend?: string;
  json: boolean;
}

/** The demo's configuration from the flags (preset first, then explicit overrides). */
export function demoConfig(
  argv: Pick<Args, 'out' | 'seed' | 'seeds' | 'jobs' | 'sizes' | 'steps' | 'quick' | 'sweep'> & { teachers?: boolean },
): DemoConfig {
  const preset = argv.quick ? QUICK_DEMO : DEFAULT_DEMO;
  if (argv.teachers && argv.quick) {
    throw new MixdistillError(
      '--teachers cannot run with --quick: the teachers must learn the task before they can write its CoT (they train 2,000 steps each); drop --quick',
    );
  }
  if (argv.seeds !== undefined && !(Number.isInteger(argv.seeds) && argv.seeds >= 1)) {
    throw new MixdistillError(`--seeds must be a positive integer, got ${argv.seeds}`);
  }
  if (argv.jobs !== undefined && !(Number.isInteger(argv.jobs) && argv.jobs >= 0)) {
    throw new MixdistillError(`--jobs must be a non-negative integer (0: one per core), got ${argv.jobs}`);
  }
  if (argv.steps !== undefined && !(Number.isInteger(argv.steps) && argv.steps >= 1)) {
    throw new MixdistillError(`--steps must be a positive integer, got ${argv.steps}`);
  }
  if (argv.seed !== undefined && !Number.isInteger(argv.seed)) {
    throw new MixdistillError(`--seed must be an integer, got ${argv.seed}`);
  }
  const sizes =
    argv.sizes === undefined
      ? preset.sizes
      : argv.sizes
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  return {
    ...preset,
    out: argv.out,
    sizes,
    seeds: argv.seeds ?? preset.seeds,
    teachers: argv.teachers ? DEFAULT_TEACHER_AXIS : undefined,
    jobs: argv.jobs ?? preset.jobs,
    // `--sweep` alone reads as '': the default weights.
    sweep:
      argv.sweep === undefined
        ? undefined
        : argv.sweep === ''
          ? DEMO_SWEEP_WEIGHTS
          : parseWeights(argv.sweep, '--sweep'),
    budget: { ...preset.budget, steps: argv.steps ?? preset.budget.steps, seed: argv.seed ?? preset.budget.seed },
  };
}

export const demoCommand: CommandModule<object, Args> = {
  command: 'demo',
  describe:
    'Reproduce the learnability gap end to end: tiny students of three sizes on short, long and Mix-Long CoT, three seeds each, with intervals (25 min measured on a 2-core AVX-512 CPU, about 43 min on an AVX2-only one; --sizes micro,small about 17 min)',
  builder: (y) =>
    withBackendOption(y)
      .option('out', {
        type: 'string',
        default: 'runs/demo',
        describe: 'output folder: report.md, results.json, delta.svg, loss.svg, data/, students/, runs/',
      })
      .option('seed', {
        type: 'number',
        describe: `base seed: the problems and mixes use it, the runs of a cell use seed, seed+1, … for initialisation and data order (default ${DEFAULT_DEMO.budget.seed})`,
      })
      .option('seeds', {
        type: 'number',
        describe: `runs per (size, kind) cell; tables show their mean with a ~95% interval over seeds and problems (default ${DEFAULT_DEMO.seeds}; --quick: ${QUICK_DEMO.seeds})`,
      })
      .option('jobs', {
        type: 'number',
        describe:
          'runs at once, each a single-threaded worker process (default 0: one per core, at least 2; 1: one after another in this process)',
      })
      .option('sizes', {
        type: 'string',
        describe: `comma-separated student sizes from ${STUDENT_SIZES.map((s) => s.name).join(', ')} (default ${DEFAULT_DEMO.sizes.join(',')}; --quick: ${QUICK_DEMO.sizes.join(',')})`,
      })
      .option('steps', {
        type: 'number',
        describe: `optimizer steps per run, the same for every data kind (default ${DEFAULT_DEMO.budget.steps}; --quick: ${QUICK_DEMO.budget.steps})`,
      })
      .option('quick', {
        type: 'boolean',
        default: false,
        describe:
          'one size, small budget, same pipeline: a smoke test (about a minute) whose students do not learn the task',
      })
      .option('teachers', {
        type: 'boolean',
        default: false,
        describe:
          "also the paper's teacher axis (Table 2): train a small and a large teacher, distil their CoT (sampling with rejection, as `distill`), and train the students on small-teacher, large-teacher and Mix-Large data (~5 min of teachers, then about as long again as the default runs)",
      })
      .option('sweep', {
        type: 'string',
        describe: `also sweep the long-CoT mix weight on the first size (the paper's Figure 6, into OUT/sweep/): --sweep alone for ${DEMO_SWEEP_WEIGHTS.join(',')}, or --sweep 0,0.5,1`,
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'print results.json on stdout instead of the table',
      })
      .example(
        '$0 demo',
        'default run (3 sizes × 3 kinds × 3 seeds, 25 min on a 2-core AVX-512 machine, ~43 min on AVX2-only)',
      )
      .example('$0 demo --quick --out /tmp/demo-quick', 'smoke test of the pipeline, about a minute')
      .example('$0 demo --quick --sweep --out /tmp/demo-sweep', 'the mix-weight sweep (Figure 6) at smoke-test scale')
      .example('$0 demo --sizes micro,small', "the README's main job: the smallest and largest sizes (~17 min)")
      .example('$0 demo --seed 11 --out runs/demo-seed11', 'the same study on other seeds and problems')
      .example('$0 demo --teachers --out runs/demo-teachers', "also the teacher axis (the paper's Table 2, Mix-Large)")
      .example('$0 demo --sizes tiny,small,base --seeds 5 --out runs/demo-big', 'a larger study'),
  handler: async (argv) => {
    const config = demoConfig(argv);
    const info = await setupBackend(argv.backend);
    const command = [
      'mixdistill demo',
      `--out ${config.out}`,
      `--seed ${config.budget.seed}`,
      `--seeds ${config.seeds}`,
      `--sizes ${config.sizes.join(',')}`,
      `--steps ${config.budget.steps}`,
      argv.quick ? '--quick' : '',
      config.teachers ? '--teachers' : '',
      config.sweep ? `--sweep ${config.sweep.join(',')}` : '',
    ]
      .filter((s) => s !== '')
      .join(' ');
    const { report, resultsFile, results } = await runDemo(config, info, command);
    if (argv.json) process.stdout.write(readFileSync(resultsFile, 'utf8'));
    else {
      process.stdout.write(`${table1Markdown(tableRows(results))}\n`);
      if (config.teachers) process.stdout.write(`\n${tableMarkdown(tableRows(results, TEACHER_AXIS), TEACHER_AXIS)}\n`);
    }
    if (argv.quick)
      process.stderr.write('demo: --quick is a smoke test of the pipeline; its students are not trained to accuracy\n');
    process.stderr.write(`demo: report written to ${report}\n`);
  },
};
