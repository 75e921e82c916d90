import type { Argv, CommandModule } from 'yargs';
import { fallbackCounts, MixdistillError, precisionFromEnv, resetFallbackCounts } from '@mixdistill/core';
import type { WeightDtype } from '@mixdistill/models';
import { setupBackend, withBackendOption } from '../backend';
import { WEIGHT_DTYPES } from '../dtype';
import { requirePositiveIntegers } from '../flags';
import { formatFallbacks } from './backend';
import {
  BENCH_CONFIGS,
  measureAttention,
  measureBatching,
  measureDecode,
  measureHostCost,
  measureMatmul,
  measureMemoryKernels,
  measureTrain,
  measureTrainAlternated,
} from '@mixdistill/benchmarks';

interface Args {
  backend?: string;
  json?: boolean;
  m?: number;
  n?: number;
  k?: number;
  transposeB?: boolean;
  config?: string;
  steps?: number;
  comparePrecision?: 'fp32' | 'bf16';
  trainBatch?: number;
  trainSeq?: number;
  prompt?: number;
  newTokens?: number;
  batch?: number;
  prompts?: number;
  stopFraction?: number;
  dtype?: string;
  seq?: number[];
}

/** Prints the result with the fallback counts of the measurement (null: the backend has no fallback). */
function print(json: boolean | undefined, result: object, text: string): void {
  const fallbacks = fallbackCounts();
  process.stdout.write(
    json ? `${JSON.stringify({ ...result, fallbacks })}\n` : `${text}\nfallbacks: ${formatFallbacks(fallbacks)}\n`,
  );
}

function benchConfig(name: string | undefined, shape: { trainBatch?: number; trainSeq?: number } = {}) {
  const bench = name ? BENCH_CONFIGS[name] : undefined;
  if (!bench)
    throw new MixdistillError(
      `--config is ${JSON.stringify(name)}; expected one of ${Object.keys(BENCH_CONFIGS).join(', ')}`,
    );
  requirePositiveIntegers({ 'train-batch': shape.trainBatch, 'train-seq': shape.trainSeq });
  return { ...bench, batch: shape.trainBatch ?? bench.batch, seq: shape.trainSeq ?? bench.seq };
}

const common = <T>(y: Argv<T>) =>
  withBackendOption(y).option('json', {
    type: 'boolean',
    default: false,
    describe: 'print one JSON document on stdout',
  });

export const benchCommand: CommandModule<object, Args> = {
  command: 'bench <workload>',
  describe:
    'Measure throughput of the tensor backend: matmul GFLOP/s, kernels, training and decoding tokens/s, static against continuous batching, and the host side of a cuda step',
  builder: (y) =>
    common(y)
      .positional('workload', {
        choices: ['matmul', 'kernels', 'train', 'decode', 'batching', 'host'] as const,
        describe: 'what to measure (host: the JS time of a cuda training step, any machine)',
      })
      .option('m', { type: 'number', default: 1024, describe: 'matmul: rows of A and C' })
      .option('n', { type: 'number', default: 1024, describe: 'matmul: columns of B and C' })
      .option('k', { type: 'number', default: 1024, describe: 'matmul: inner dimension' })
      .option('transpose-b', {
        type: 'boolean',
        default: false,
        describe: 'matmul: B stored [n, k] (a Hugging Face linear weight)',
      })
      .option('config', {
        type: 'string',
        choices: Object.keys(BENCH_CONFIGS),
        default: 'tiny',
        describe: 'train/decode/batching/host: model shapes',
      })
      .option('steps', {
        type: 'number',
        default: 3,
        describe:
          'train/host: timed steps, the best reported, after at least 2 warm-up steps and 2 s of them; with train --compare-precision, rounds of a step at each precision',
      })
      .option('compare-precision', {
        type: 'string',
        choices: ['fp32', 'bf16'] as const,
        describe:
          "train (native): also time this precision's products, a step of each in turns in one process, and report --precision's speedup over it (the median of the rounds' ratios: a host that drifts cannot tell it from two runs)",
      })
      .option('train-batch', {
        type: 'number',
        describe: "train/host: sequences in the training micro-batch (default: the config's, 4 for tiny, 1 otherwise)",
      })
      .option('train-seq', {
        type: 'number',
        describe: "train/host: tokens per training sequence (default: the config's, 128 for tiny, 512 otherwise)",
      })
      .option('prompt', { type: 'number', default: 32, describe: 'decode: prompt tokens' })
      .option('new-tokens', {
        type: 'number',
        describe:
          'decode: generated tokens (greedy, KV cache; default 32); batching: the most per answer (default 256)',
      })
      .option('batch', {
        type: 'number',
        describe:
          'decode: sequences decoded together (tokens/s and prefill tokens/s are summed over them; default 1); batching: rows of the batch (default 16)',
      })
      .option('prompts', { type: 'number', default: 48, describe: 'batching: prompts in all' })
      .option('stop-fraction', {
        type: 'number',
        default: 0.05,
        describe:
          'batching: share of the vocabulary drawn as stop tokens (a random model never ends by itself; the sequences it loops in run to --new-tokens)',
      })
      .option('dtype', {
        type: 'string',
        choices: [...WEIGHT_DTYPES],
        default: 'f32',
        describe:
          'decode/batching: how the linear and embedding weights are held (bf16: 2 bytes per weight, inference only)',
      })
      .option('seq', {
        type: 'array',
        number: true,
        default: [512, 2048],
        describe: 'kernels: attention sequence lengths',
      })
      .example(
        '$0 bench matmul --m 512 --n 4864 --k 896 --transpose-b --json',
        'Qwen2.5-0.5B MLP up-projection, prints {"gflops": …}',
      )
      .example('$0 bench train --config tiny --json', 'training tokens/s and peak RSS of the 4M-parameter model')
      .example(
        '$0 bench train --precision bf16 --compare-precision fp32 --steps 10',
        'bf16 mixed precision against float32, steps in turns',
      )
      .example(
        '$0 bench host --config qwen0.5b',
        "the JS thread's time per cuda training step of the 24-layer model (addon calls return at once)",
      )
      .example(
        '$0 bench host --config qwen0.5b --train-seq 2048 --train-batch 8',
        "issue 14's largest training shape: the JS time and the device memory the backend would allocate",
      )
      .example('$0 bench decode --config qwen0.5b-4l', 'greedy decoding tokens/s with a KV cache')
      .example('$0 bench decode --config qwen0.5b --dtype bf16', 'the full Qwen2.5-0.5B shape with bf16 weights')
      .example(
        '$0 bench decode --config qwen0.5b --dtype bf16 --prompt 512 --new-tokens 128 --batch 16',
        'prefill of 16 prompts of 512 tokens, then 128 tokens each decoded together',
      )
      .example(
        '$0 bench batching --config qwen0.5b-4l',
        '48 prompts with long-tailed answer lengths, 16 at a time: static batches against continuous batching',
      ),
  handler: async (argv) => {
    const workload = (argv as unknown as { workload: string }).workload;
    await setupBackend(argv.backend);
    resetFallbackCounts();
    if (workload === 'matmul') {
      const { m, n, k } = argv as Required<Args>;
      requirePositiveIntegers({ m, n, k });
      const r = measureMatmul(m, n, k, argv.transposeB);
      print(
        argv.json,
        r,
        `matmul ${m}x${k} · ${k}x${n}${r.transposeB ? ' (B transposed)' : ''}: ${r.gflops.toFixed(1)} GFLOP/s (${r.ms.toFixed(2)} ms)`,
      );
    } else if (workload === 'kernels') {
      const results = [...measureMemoryKernels(), ...(argv.seq ?? []).map((s) => measureAttention(Number(s)))];
      const text = results
        .map(
          (r) =>
            `${r.name}: ${r.ms.toFixed(2)} ms${r.gbPerS ? `, ${r.gbPerS.toFixed(1)} GB/s` : ''}${r.gflops ? `, ${r.gflops.toFixed(1)} GFLOP/s` : ''}`,
        )
        .join('\n');
      print(argv.json, { kernels: results }, text);
    } else if (workload === 'train') {
      const steps = argv.steps ?? 3;
      requirePositiveIntegers({ steps });
      if (argv.comparePrecision) {
        const own = precisionFromEnv();
        if (own !== 'fp32' && own !== 'bf16')
          throw new MixdistillError(`--compare-precision: the native backend has no ${own} products`);
        if (own === argv.comparePrecision)
          throw new MixdistillError(`--compare-precision is ${own}, the run's own precision; pick the other one`);
        const {
          first: r,
          second: other,
          speedup,
          rounds,
        } = measureTrainAlternated(argv.config!, benchConfig(argv.config, argv), [own, argv.comparePrecision], steps);
        print(
          argv.json,
          { ...r, compared: other, speedup, rounds },
          `train ${r.config} (batch ${r.batch} x seq ${r.seq}), ${rounds} rounds of a step at each precision: ${r.precision} products ${r.tokens_per_s.toFixed(0)} tokens/s (best ${r.stepMs.toFixed(0)} ms/step), ${other.precision} ${other.tokens_per_s.toFixed(0)} (${other.stepMs.toFixed(0)} ms/step); ${r.precision} ${speedup.toFixed(2)}x ${other.precision} (median of the rounds); peak RSS ${r.peak_rss_mb.toFixed(0)} MB over both`,
        );
        return;
      }
      const r = measureTrain(argv.config!, benchConfig(argv.config, argv), steps);
      print(
        argv.json,
        r,
        `train ${r.config} (batch ${r.batch} x seq ${r.seq}, ${r.precision} products): ${r.tokens_per_s.toFixed(0)} tokens/s, ${r.stepMs.toFixed(0)} ms/step, peak RSS ${r.peak_rss_mb.toFixed(0)} MB`,
      );
    } else if (workload === 'host') {
      const steps = argv.steps ?? 3;
      requirePositiveIntegers({ steps });
      const r = await measureHostCost(argv.config!, benchConfig(argv.config, argv), steps);
      print(
        argv.json,
        r,
        `host side of a cuda train step ${r.config} (${r.layers} layers, batch ${r.batch} x seq ${r.seq}, ${r.precision} products): ${r.host_ms_per_step.toFixed(1)} ms/step on the JS thread (median ${r.median_ms_per_step.toFixed(1)}), ${r.addon_calls_per_step} addon calls a step (${Object.entries(
          r.calls,
        )
          .slice(0, 6)
          .map(([entry, n]) => `${entry} ${n}`)
          .join(', ')}, …), device memory at most ${r.peak_device_mib} MiB`,
      );
    } else if (workload === 'batching') {
      const { prompts, stopFraction } = argv;
      const batch = argv.batch ?? 16;
      const newTokens = argv.newTokens ?? 256;
      requirePositiveIntegers({ prompts, batch, 'new-tokens': newTokens });
      if (!(stopFraction !== undefined && stopFraction > 0 && stopFraction < 1))
        throw new MixdistillError(`--stop-fraction must lie in (0, 1), got ${stopFraction}`);
      const r = await measureBatching(argv.config!, benchConfig(argv.config), {
        prompts,
        batch,
        newTokens,
        stopFraction,
        dtype: argv.dtype as WeightDtype,
      });
      const { min, median, p90, max } = r.lengths;
      print(
        argv.json,
        r,
        `batching ${r.config} ${r.dtype}, ${r.prompts} prompts ${r.batch} at a time, answers of ${min}/${median}/${p90}/${max} tokens (min/median/p90/max of ${r.newTokens}): static batches ${r.static_s.toFixed(1)} s, continuous ${r.continuous_s.toFixed(1)} s (${r.speedup.toFixed(2)}x, ${(r.tokens / r.continuous_s).toFixed(1)} tokens/s), ${r.identical ? 'the same tokens' : 'DIFFERENT tokens'}, kernels ${r.kernels ?? 'none'}`,
      );
    } else {
      const batch = argv.batch ?? 1;
      requirePositiveIntegers({ batch });
      const r = await measureDecode(argv.config!, benchConfig(argv.config), {
        prompt: argv.prompt,
        newTokens: argv.newTokens,
        dtype: argv.dtype as WeightDtype,
        batch,
      });
      print(
        argv.json,
        r,
        `decode ${r.config} ${r.dtype} batch ${r.batch}: ${r.tokens_per_s.toFixed(1)} tokens/s (prompt ${r.prompt}, ${r.newTokens} new), prefill ${r.prefill_tokens_per_s.toFixed(0)} tokens/s (first token ${r.time_to_first_token_ms.toFixed(0)} ms), peak RSS ${r.peak_rss_mb.toFixed(0)} MB, kernels ${r.kernels ?? 'none'}${
          r.host_ms_per_step === null
            ? ''
            : `; a step ${r.step_ms.toFixed(2)} ms: ${r.native_ms_per_step?.toFixed(2)} in the kernels, ${r.host_ms_per_step.toFixed(2)} host (JS)`
        }`,
      );
    }
  },
};
