// `mixdistill sweep`: the paper's Figure 6 for a real model: for each long-CoT weight, mix the long and
// short sets, fine-tune, evaluate on benchmarks; then plot accuracy against the weight with 95%
// intervals and name the best weight. Resumable: one folder per weight, finished weights are skipped.
import { MixdistillError } from '@mixdistill/core';
import { BENCHMARK_NAMES, DEFAULT_CAS_OPTIONS, defaultDataDir, parseBenchmarkList } from '@mixdistill/eval';
import { benchmarkEvaluator, parseWeights, runSweep, type SweepSummary } from '@mixdistill/sweep';
import { trainConfigFromFlags } from '@mixdistill/train';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { requirePositiveIntegers, withTrainOptions } from '../flags';
import { commandPrefix } from '../resume_command';

/** TRAIN_OPTIONS flags the sweep sets itself (per weight) or declares with its own meaning. */
const SWEEP_SETS = ['data', 'out', 'resume', 'overwrite', 'mix-size', 'mix-by'];

/** Flag values by flag name (TRAIN_OPTIONS) plus this command's own. */
type Args = Record<string, unknown> & {
  long: string;
  short: string;
  weights: string;
  out: string;
  'mix-by'?: string;
  'mix-size'?: number;
  benchmarks: string;
  'data-dir'?: string;
  limit?: number;
  prompt: string;
  'max-new-tokens': number;
  'eval-batch-size': number;
  'time-limit': number;
  backend?: string;
  json: boolean;
};

/** This invocation as a user can type it again (rerunning it resumes the sweep). */
function sweepCommandLine(): string {
  const quoted = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return [commandPrefix(), ...quoted].join(' ');
}

/** The summary as printed without --json: the best weight per set. */
function bestLines(summary: SweepSummary): string {
  return Object.entries(summary.best)
    .map(
      ([set, p]) =>
        `${set}\tbest weight ${p.weight}\t${p.accuracy.toFixed(1)}% [${p.low.toFixed(1)}, ${p.high.toFixed(1)}]` +
        `${p.separated ? '' : '\t(intervals overlap another weight)'}\n`,
    )
    .join('');
}

export const sweepCommand: CommandModule<object, Args> = {
  command: 'sweep',
  describe:
    'Figure 6: for each long-CoT weight mix, train and evaluate; plot accuracy against the weight (resumable: OUT/w<weight>/, OUT/summary.md, OUT/figure6.svg)',
  builder: (y) =>
    withTrainOptions(
      withBackendOption(y)
        .option('long', { type: 'string', demandOption: true, describe: 'long-CoT SFT set (JSONL)' })
        .option('short', { type: 'string', demandOption: true, describe: 'short-CoT SFT set (JSONL)' })
        .option('weights', {
          type: 'string',
          default: '0,0.1,0.2,0.4,0.6,0.8,1',
          describe: "comma list of long-CoT weights in [0, 1] (short gets 1 − w); the paper's Mix-Long is 0.2",
        })
        .option('out', {
          type: 'string',
          demandOption: true,
          describe:
            'sweep folder: w<weight>/{mix.jsonl,train/,eval/,result.json}, summary.json, summary.md, figure6.svg',
        })
        .option('mix-by', {
          type: 'string',
          describe: 'pair the two sets on this field (one response per value, from one set), e.g. problem',
        })
        .option('mix-size', {
          type: 'number',
          describe: 'records per mix (default: with --mix-by every shared value, else the smaller set’s size)',
        })
        .option('benchmarks', {
          type: 'string',
          default: 'math500,gsm8k,amc23,olympiadbench,aime24',
          describe: `comma list of ${BENCHMARK_NAMES.join(', ')}`,
        })
        .option('data-dir', {
          type: 'string',
          describe: `folder with <benchmark>/test.jsonl (default ${defaultDataDir()})`,
        })
        .option('limit', { type: 'number', describe: 'first N problems of each benchmark (file order)' })
        .option('prompt', {
          type: 'string',
          default: 'paper',
          describe: 'preset (paper, qwen-math-cot, gsm8k-zeroshot) or a template file with {problem}',
        })
        .option('max-new-tokens', { type: 'number', default: 4096, describe: 'most tokens generated per problem' })
        .option('eval-batch-size', { type: 'number', default: 8, describe: 'prompts decoded together at evaluation' })
        .option('time-limit', {
          type: 'number',
          default: DEFAULT_CAS_OPTIONS.timeoutMs,
          describe: 'grader: milliseconds per symbolic comparison',
        })
        .option('json', { type: 'boolean', default: false, describe: 'print summary.json on stdout' })
        .group(['long', 'short', 'weights', 'mix-by', 'mix-size'], 'Sweep:')
        .group(
          ['benchmarks', 'data-dir', 'limit', 'prompt', 'max-new-tokens', 'eval-batch-size', 'time-limit'],
          'Evaluation:',
        )
        .example(
          '$0 sweep --model ./Qwen2.5-0.5B-Instruct --long long.jsonl --short short.jsonl --mix-by problem --out runs/sweep --benchmarks math500,gsm8k --limit 200',
          "the paper's Figure 6 (7 weights, paper recipe)",
        )
        .example(
          '$0 sweep --model ./m --long long.jsonl --short short.jsonl --weights 0,0.2,1 --max-steps 200 --lr 1e-4 --out runs/s',
          'three weights, a short budget; rerun the same command to resume',
        ),
      SWEEP_SETS,
    ),
  handler: async (argv) => {
    const weights = parseWeights(argv.weights);
    requirePositiveIntegers({
      limit: argv.limit,
      'mix-size': argv['mix-size'],
      'max-new-tokens': argv['max-new-tokens'],
      'eval-batch-size': argv['eval-batch-size'],
    });
    const benchmarks = parseBenchmarkList(argv.benchmarks);
    if (benchmarks.length === 0) throw new MixdistillError('--benchmarks: name at least one benchmark');
    // The one flags -> TrainConfig mapping; data, out and resume are set per weight by runSweep.
    const { data: _data, out: _out, resume: _resume, ...trainConfig } = trainConfigFromFlags({ ...argv, data: [] });
    await setupBackend(argv.backend);
    const { summary, files } = await runSweep({
      weights,
      long: argv.long,
      short: argv.short,
      out: argv.out,
      mixBy: argv['mix-by'],
      mixSize: argv['mix-size'],
      train: trainConfig,
      evaluate: benchmarkEvaluator({
        benchmarks,
        dataDir: argv['data-dir'] ?? defaultDataDir(),
        limit: argv.limit,
        prompt: argv.prompt,
        maxNewTokens: argv['max-new-tokens'],
        batchSize: argv['eval-batch-size'],
        tokenizerDir: trainConfig.tokenizer,
        timeLimitMs: argv['time-limit'],
      }),
      // What changes a score (not the batch size or the grader's time limit).
      evaluation: {
        benchmarks,
        dataDir: argv['data-dir'] ?? defaultDataDir(),
        limit: argv.limit ?? null,
        prompt: argv.prompt,
        maxNewTokens: argv['max-new-tokens'],
      },
      command: sweepCommandLine(),
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stdout.write(`${bestLines(summary)}summary: ${files.markdown}\nfigure: ${files.svg}\n`);
  },
};
