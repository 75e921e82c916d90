import {
  BENCHMARK_NAMES,
  DEFAULT_DOWNLOAD_OPTIONS,
  defaultDataDir,
  downloadBenchmarks,
  parseBenchmarkList,
} from '@mixdistill/eval';
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
    const names = parseBenchmarkList(argv.benchmarks);
    const dataDir = argv['data-dir'] ?? defaultDataDir();
    const options = { ...DEFAULT_DOWNLOAD_OPTIONS, baseUrl: argv['base-url'], token: process.env.HF_TOKEN };
    const done = await downloadBenchmarks(names, dataDir, options);
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
