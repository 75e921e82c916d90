import {
  BENCHMARK_NAMES,
  DEFAULT_DOWNLOAD_OPTIONS,
  defaultDataDir,
  downloadBenchmark,
  isBenchmarkName,
  type BenchmarkName,
} from '@mixdistill/eval';
import { MixdistillError } from '@mixdistill/core';
import type { CommandModule } from 'yargs';

interface Args {
  benchmarks: string;
  'data-dir'?: string;
  'base-url': string;
  json?: boolean;
}

const downloadCommand: CommandModule<object, Args> = {
  command: 'download',
  describe: 'Fetch the benchmark test sets from the Hugging Face Hub into the data folder',
  builder: (y) =>
    y
      .option('benchmarks', {
        type: 'string',
        default: BENCHMARK_NAMES.join(','),
        describe: 'comma list of benchmarks to fetch',
      })
      .option('data-dir', { type: 'string', describe: `destination (default ${defaultDataDir()}, where eval looks)` })
      .option('base-url', {
        type: 'string',
        default: DEFAULT_DOWNLOAD_OPTIONS.baseUrl,
        describe: 'Hugging Face dataset viewer API root (a mirror, or a local server in tests)',
      })
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON document on stdout' })
      .example('$0 data download', 'fetch all six benchmarks into the cache folder')
      .example('$0 data download --benchmarks gsm8k,math500 --data-dir data/', 'fetch two into ./data'),
  handler: async (argv) => {
    const names = argv.benchmarks
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    for (const n of names) {
      if (!isBenchmarkName(n))
        throw new MixdistillError(`--benchmarks: unknown "${n}" (expected some of ${BENCHMARK_NAMES.join(', ')})`);
    }
    const dataDir = argv['data-dir'] ?? defaultDataDir();
    const options = { ...DEFAULT_DOWNLOAD_OPTIONS, baseUrl: argv['base-url'], token: process.env.HF_TOKEN };
    const done: { benchmark: string; file: string; rows: number }[] = [];
    for (const name of names as BenchmarkName[]) {
      const { file, rows } = await downloadBenchmark(name, dataDir, options, (n, total) =>
        process.stderr.write(`\r${name}: ${n}/${total} rows`),
      );
      process.stderr.write('\n');
      done.push({ benchmark: name, file, rows });
    }
    if (argv.json) process.stdout.write(`${JSON.stringify({ dataDir, benchmarks: done })}\n`);
    else for (const d of done) process.stdout.write(`${d.benchmark}\t${d.rows} rows\t${d.file}\n`);
  },
};

export const dataCommand: CommandModule = {
  command: 'data <command>',
  describe: 'Benchmark data: download the test sets',
  builder: (y) => y.command(downloadCommand).demandCommand(1, 'name a data command (download)'),
  handler: () => {},
};
