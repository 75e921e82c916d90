// `mixdistill eval`: evaluate a local model or an OpenAI-compatible server on the maths benchmarks.
import { resolve } from 'node:path';
import { MixdistillError } from '@mixdistill/core';
import {
  BENCHMARK_NAMES,
  DEFAULT_CAS_OPTIONS,
  DEFAULT_GENERATION_SETTINGS,
  defaultDataDir,
  evaluate,
  parseBenchmarkList,
} from '@mixdistill/eval';
import type { WeightDtype } from '@mixdistill/models';
import type { CommandModule } from 'yargs';
import { setupBackend, withBackendOption } from '../backend';
import { withDtypeOption } from '../dtype';
import { endpointConnection, requirePositiveIntegers, withEndpointOptions, type EndpointArgs } from '../flags';

interface Args extends EndpointArgs {
  model?: string;
  tokenizer?: string;
  endpoint?: string;
  'served-model'?: string;
  benchmarks: string;
  'data-dir'?: string;
  limit?: number;
  subset?: string;
  out: string;
  prompt: string;
  'max-new-tokens': number;
  temperature: number;
  'top-p': number;
  stop?: string[];
  seed: number;
  'batch-size': number;
  'time-limit': number;
  meta?: string[];
  'judge-endpoint'?: string;
  'judge-model'?: string;
  backend?: string;
  dtype?: WeightDtype;
  json?: boolean;
}

/** `--meta mixWeight=0.2 --meta name=mix` -> {mixWeight: 0.2, name: 'mix'} (numbers stay numbers). */
function parseMeta(items: string[] = []): Record<string, string | number> {
  const meta: Record<string, string | number> = {};
  for (const item of items) {
    const at = item.indexOf('=');
    if (at <= 0) throw new MixdistillError(`--meta: "${item}" is not key=value`);
    const value = item.slice(at + 1);
    meta[item.slice(0, at)] = value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
  }
  return meta;
}

export const evalCommand: CommandModule<object, Args> = {
  command: 'eval',
  describe: 'Evaluate a local model or an OpenAI-compatible server on math benchmarks (resumable)',
  builder: (y) =>
    withDtypeOption(withEndpointOptions(withBackendOption(y)))
      .option('model', { type: 'string', describe: 'local model folder (config.json, safetensors, tokenizer)' })
      .option('tokenizer', { type: 'string', describe: 'folder with tokenizer.json when --model has none' })
      .option('endpoint', {
        type: 'string',
        describe: 'OpenAI-compatible API root, e.g. http://127.0.0.1:8000/v1 (vLLM, llama.cpp, Ollama)',
      })
      .option('served-model', { type: 'string', describe: 'model name the server serves (with --endpoint)' })
      .option('benchmarks', {
        type: 'string',
        default: 'math500,gsm8k,amc23,olympiadbench,aime24',
        describe: `comma list of ${BENCHMARK_NAMES.join(', ')}`,
      })
      .option('data-dir', {
        type: 'string',
        describe: `folder with <benchmark>/test.jsonl (default ${defaultDataDir()}, filled by "mixdistill data download")`,
      })
      .option('limit', { type: 'number', describe: 'first N problems of each benchmark (file order)' })
      .option('subset', {
        type: 'string',
        describe: 'MATH/MATH-500 filter, e.g. "level=4,5;subject=algebra,number_theory"',
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'output folder: <benchmark>.jsonl records, results.json, results.md; rerun to resume',
      })
      .option('prompt', {
        type: 'string',
        default: 'paper',
        describe: 'preset (paper, qwen-math-cot, gsm8k-zeroshot) or a template file with {problem}',
      })
      .option('max-new-tokens', {
        type: 'number',
        default: DEFAULT_GENERATION_SETTINGS.maxNewTokens,
        describe: 'most tokens generated per problem',
      })
      .option('temperature', { type: 'number', default: 0, describe: '0 = greedy (the paper)' })
      .option('top-p', { type: 'number', default: 1, describe: 'nucleus sampling mass' })
      .option('stop', { type: 'string', array: true, describe: "extra stop strings (added to the preset's)" })
      .option('seed', { type: 'number', default: 42, describe: 'sampling seed (when temperature > 0)' })
      .option('batch-size', {
        type: 'number',
        default: 8,
        describe: 'local model: sequences decoded together (a finished one makes room for the next prompt)',
      })
      .option('time-limit', {
        type: 'number',
        default: DEFAULT_CAS_OPTIONS.timeoutMs,
        describe: 'grader: milliseconds per symbolic comparison',
      })
      .option('meta', {
        type: 'string',
        array: true,
        describe: 'key=value recorded in results.json, e.g. --meta mixWeight=0.2 (used by report plots)',
      })
      .option('judge-endpoint', {
        type: 'string',
        describe:
          'optional LLM judge (OpenAI-compatible API root) for answers the rules reject; recorded as "judged", never changes "correct"',
      })
      .option('judge-model', { type: 'string', describe: 'model name served at --judge-endpoint' })
      .option('json', { type: 'boolean', default: false, describe: 'print results.json on stdout' })
      .group(
        ['concurrency', 'connect-timeout', 'idle-timeout', 'request-timeout', 'retries', 'api-key-env'],
        'Endpoint connection:',
      )
      .example(
        '$0 eval --endpoint http://127.0.0.1:8000/v1 --served-model qwen --benchmarks gsm8k,math500 --limit 50 --out runs/qwen',
        'evaluate a vLLM server',
      )
      .example(
        '$0 eval --model runs/mix/final --data-dir ../shared/data/benchmarks --limit 5 --out runs/mix/eval',
        'evaluate a local checkpoint',
      ),
  handler: async (argv) => {
    if (Boolean(argv.model) === Boolean(argv.endpoint))
      throw new MixdistillError('give exactly one of --model DIR or --endpoint URL');
    if (argv.endpoint && !argv['served-model']) throw new MixdistillError('--endpoint needs --served-model NAME');
    requirePositiveIntegers({
      limit: argv.limit,
      'batch-size': argv['batch-size'],
      concurrency: argv.concurrency,
      'max-new-tokens': argv['max-new-tokens'],
    });
    if (Boolean(argv['judge-endpoint']) !== Boolean(argv['judge-model']))
      throw new MixdistillError('--judge-endpoint and --judge-model go together');
    const benchmarks = parseBenchmarkList(argv.benchmarks);
    if (benchmarks.length === 0) throw new MixdistillError('--benchmarks: name at least one benchmark');
    const connection = endpointConnection(argv);
    if (argv.model) await setupBackend(argv.backend);
    const results = await evaluate({
      model: argv.endpoint
        ? { endpoint: argv.endpoint, servedModel: argv['served-model']!, concurrency: argv.concurrency, connection }
        : { modelDir: argv.model!, tokenizerDir: argv.tokenizer, batchSize: argv['batch-size'], dtype: argv.dtype },
      benchmarks,
      dataDir: argv['data-dir'] ?? defaultDataDir(),
      limit: argv.limit,
      subset: argv.subset,
      out: argv.out,
      prompt: argv.prompt,
      maxNewTokens: argv['max-new-tokens'],
      temperature: argv.temperature,
      topP: argv['top-p'],
      stop: argv.stop ?? [],
      seed: argv.seed,
      timeLimitMs: argv['time-limit'],
      metadata: parseMeta(argv.meta),
      judge: argv['judge-endpoint']
        ? { endpoint: argv['judge-endpoint'], servedModel: argv['judge-model']!, connection }
        : undefined,
    });
    if (argv.json) process.stdout.write(`${JSON.stringify(results)}\n`);
    else {
      for (const [name, r] of Object.entries(results.benchmarks)) {
        process.stdout.write(`${name}\t${r!.accuracy.toFixed(1)}%\t${r!.correct}/${r!.total}\n`);
      }
      if (results.average !== null)
        process.stdout.write(`average\t${results.average.toFixed(1)}%\t(${results.averageOver.join(', ')})\n`);
      process.stdout.write(`results: ${resolve(argv.out, 'results.json')}\n`);
    }
  },
};
