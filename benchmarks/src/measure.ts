// Throughput measurements on the active backend, run by `mixdistill bench` and `pnpm bench`.
// Each reports the best of several timed repetitions after a warm-up (the machine may be shared,
// so the best run is the one least disturbed by other processes).
import {
  applyRope,
  causalAttention,
  crossEntropySum,
  MixdistillError,
  precisionFromEnv,
  rmsNorm,
  setNativePrecision,
  swiglu,
  tf,
  type Precision,
} from '@mixdistill/core';
import { createModel, generate, type ModelConfig, parseModelConfig, type WeightDtype } from '@mixdistill/models';
import { AdamW, collate, TRAIN_DEFAULTS, trainStep } from '@mixdistill/train';
import type { BenchConfig } from './configs';
import { startNativeTimer } from './native_time';

function now(): number {
  return performance.now();
}

/** Runs fn untimed at least `times` times and for at least `ms` milliseconds. */
export function warmUp(fn: () => void, times: number, ms: number): void {
  const start = now();
  for (let i = 0; i < times || now() - start < ms; i++) fn();
}

/** Runs fn untimed (`warmup` times and `warmupMs`), then `repeats` times; returns the fastest time in ms. */
function bestMs(fn: () => void, repeats: number, warmup = 1, warmupMs = 0): number {
  warmUp(fn, warmup, warmupMs);
  let best = Infinity;
  for (let i = 0; i < repeats; i++) {
    const t0 = now();
    fn();
    best = Math.min(best, now() - t0);
  }
  return best;
}

/**
 * Training steps run untimed for at least this long (and at least 2 steps) before the timed ones.
 * The tiny model's steps take ~10 steps (~1 s) to reach their steady time (V8 optimising the
 * engine's code, the buffer pool filling): 456, 113, 68, 66, 74, 59, 75, 56, 62, 58, 51 ms, so the
 * best of 3 after 2 warm-up steps read 66-72 ms where later steps take 51-55.
 */
export const TRAIN_WARMUP_MS = 2000;

/** Seeded uniform values in [-1, 1). */
function randomTensor(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

export interface MatmulResult {
  m: number;
  n: number;
  k: number;
  transposeB: boolean;
  ms: number;
  gflops: number;
}

/** Calls fn until `ms` milliseconds have passed (at least once): JIT, caches and clocks warm up. */
function warmUpFor(fn: () => void, ms: number): void {
  const end = now() + ms;
  do fn();
  while (now() < end);
}

/**
 * C [m, n] = A [m, k] · B [k, n] (B stored [n, k] when transposeB, as a Hugging Face linear weight).
 * Warm-up for 0.2 s, then the best of `repeats` calls: the same protocol as the OpenBLAS and torch
 * peers (a sub-millisecond product measured after one warm-up call read 20-30% slow).
 */
export function measureMatmul(m: number, n: number, k: number, transposeB = false, repeats = 5): MatmulResult {
  const a = randomTensor([m, k], 1);
  const b = randomTensor(transposeB ? [n, k] : [k, n], 2);
  const product = (): void => tf.matMul(a, b, false, transposeB).dispose();
  warmUpFor(product, 200);
  const ms = bestMs(product, repeats, 0);
  tf.dispose([a, b]);
  return { m, n, k, transposeB, ms, gflops: (2 * m * n * k) / (ms * 1e6) };
}

export interface KernelResult {
  name: string;
  ms: number;
  /** bytes read + written per call, for memory-bound kernels */
  gbPerS?: number;
  gflops?: number;
}

/** Memory-bound kernels at Qwen2.5-0.5B activation sizes (seq 512). */
export function measureMemoryKernels(repeats = 10): KernelResult[] {
  const rows = 512,
    h = 896,
    ff = 4864,
    vocab = 151936;
  const x = randomTensor([rows, h], 3),
    w = randomTensor([h], 4);
  const g = randomTensor([rows, ff], 5),
    u = randomTensor([rows, ff], 6);
  const q = randomTensor([1, 14, rows, 64], 7),
    cos = randomTensor([1, rows, 32], 8),
    sin = randomTensor([1, rows, 32], 9);
  const results: KernelResult[] = [];
  const add = (name: string, bytes: number, fn: () => tf.Tensor): void => {
    const ms = bestMs(() => fn().dispose(), repeats);
    results.push({ name, ms, gbPerS: bytes / (ms * 1e6) });
  };
  add('add [512,4864]', 3 * 4 * rows * ff, () => tf.add(g, u));
  add('mul broadcast [512,896]*[896]', 2 * 4 * rows * h, () => tf.mul(x, w));
  add('exp [512,4864]', 2 * 4 * rows * ff, () => tf.exp(g));
  add('sum last axis [512,4864]', 4 * rows * ff, () => tf.sum(g, -1));
  add('softmax [512,4864]', 2 * 4 * rows * ff, () => tf.softmax(g));
  add('transpose [512,14,64]->[14,512,64]', 2 * 4 * rows * h, () =>
    tf.transpose(tf.reshape(x, [rows, 14, 64]), [1, 0, 2]),
  );
  add('slice [512,4864] -> [512,2432]', 2 * 4 * rows * (ff / 2), () => tf.slice(g, [0, 0], [rows, ff / 2]));
  const halves = [tf.slice(g, [0, 0], [rows, ff / 2]), tf.slice(u, [0, ff / 2], [rows, ff / 2])];
  add('concat 2 x [512,2432] -> [512,4864]', 2 * 4 * rows * ff, () => tf.concat(halves, 1));
  add('rmsNorm [512,896]', 2 * 4 * rows * h, () => rmsNorm(x, w, 1e-6));
  add('rope [1,14,512,64]', 2 * 4 * rows * h, () => applyRope(q, cos, sin));
  add('swiglu [512,4864]', 3 * 4 * rows * ff, () => swiglu(g, u));
  const logits = randomTensor([rows, vocab], 10);
  const labels = tf.tensor1d(
    Int32Array.from({ length: rows }, (_, i) => (i * 7919) % vocab),
    'int32',
  );
  add('crossEntropySum fwd [512,151936]', 4 * rows * vocab, () => crossEntropySum(logits, labels));
  const gradFn = tf.grad((l: tf.Tensor) => crossEntropySum(l, labels));
  add('crossEntropySum fwd+bwd [512,151936]', 3 * 4 * rows * vocab, () => gradFn(logits));
  tf.dispose([x, w, g, u, q, cos, sin, logits, labels, ...halves]);
  return results;
}

/** Causal attention forward + backward, Qwen2.5-0.5B heads (14 query / 2 KV, head dim 64). */
export function measureAttention(seq: number, repeats = 3): KernelResult {
  const q = randomTensor([1, 14, seq, 64], 11),
    k = randomTensor([1, 2, seq, 64], 12),
    v = randomTensor([1, 2, seq, 64], 13);
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(causalAttention(a, b, c)));
  const ms = bestMs(() => tf.dispose(grads([q, k, v])), repeats);
  tf.dispose([q, k, v]);
  // Causal: half of the s x t scores; forward 2 matmuls, backward 5 (FlashAttention-2 counting).
  const flops = 7 * 2 * 14 * seq * seq * 64 * 0.5;
  return { name: `attention fwd+bwd seq ${seq}`, ms, gflops: flops / (ms * 1e6) };
}

export interface TrainResult {
  config: string;
  batch: number;
  seq: number;
  /** precision of the matrix products (`--precision`: fp32, or bf16 mixed precision) */
  precision: Precision;
  stepMs: number;
  tokens_per_s: number;
  peak_rss_mb: number;
  /** backend-specific allocation report (buffer pool counters), when the backend has one */
  allocation?: Record<string, number>;
}

interface PoolLike {
  pool?: { stats(): Record<string, number> };
}

/** The native backend's addon, read without importing the backend (benchmarks use public entries only). */
interface NativeLike {
  addon?: { info(): { isa: string; bf16: string } };
}

/** The native kernel table and, for bf16 weights, how it multiplies bf16 (`vdpbf16ps` or `widen`); null on other backends. */
export function nativeKernels(dtype: WeightDtype): string | null {
  const info = (tf.backend() as NativeLike).addon?.info();
  if (!info) return null;
  return dtype === 'bf16' ? `${info.isa} (bf16: ${info.bf16})` : info.isa;
}

/**
 * `rows` sequences of `seq` fixed pseudo-random tokens below `vocab`, collated unpacked: the training
 * micro-batch of the benchmarks, the GPU check and its transformers peer (the same id pattern).
 */
export function benchMicroBatch(rows: number, seq: number, vocab: number) {
  return collate(
    Array.from({ length: rows }, (_, r) => {
      const ids = Array.from({ length: seq }, (_, i) => ((r * seq + i) * 7919 + 13) % vocab);
      return [{ inputIds: ids, labels: ids }];
    }),
    0,
    false,
  );
}

/** A bench config's model on the active backend, with the step that `measureTrain` times. */
export interface BenchTrainStep {
  config: ModelConfig;
  /** one optimiser step of `trainStep` on the config's fixed micro-batch */
  step: () => void;
  /** frees the model and the optimiser state */
  dispose: () => void;
}

/**
 * The trainer's own step (forward, backward, clipping, AdamW with the trainer's default
 * hyper-parameters) on one micro-batch of fixed pseudo-random tokens of the config's shape.
 */
export function benchTrainStep(name: string, bench: BenchConfig): BenchTrainStep {
  const config = parseModelConfig(bench.config, `${name} (benchmark config)`);
  const model = createModel(config, { seed: 0 });
  const microBatch = benchMicroBatch(bench.batch, bench.seq, config.vocabSize);
  const optimizer = new AdamW(model.params, {
    beta1: TRAIN_DEFAULTS.adamBeta1,
    beta2: TRAIN_DEFAULTS.adamBeta2,
    eps: TRAIN_DEFAULTS.adamEpsilon,
    weightDecay: TRAIN_DEFAULTS.weightDecay,
  });
  return {
    config,
    step: () => {
      trainStep(model, [microBatch], optimizer, { lr: 1e-5, maxGradNorm: TRAIN_DEFAULTS.maxGradNorm });
    },
    dispose: () => {
      optimizer.dispose();
      model.dispose();
    },
  };
}

/** Optimiser steps of `benchTrainStep`: the best of `steps` after `warmup`, tokens/s and peak RSS. */
export function measureTrain(name: string, bench: BenchConfig, steps = 3, warmup = 2): TrainResult {
  const { batch, seq } = bench;
  const { step, dispose } = benchTrainStep(name, bench);
  const pool = (tf.backend() as PoolLike).pool;
  const stepMs = bestMs(step, steps, warmup, TRAIN_WARMUP_MS);
  const before = pool?.stats();
  step();
  const after = pool?.stats();
  dispose();
  const result: TrainResult = {
    config: name,
    batch,
    seq,
    precision: precisionFromEnv(),
    stepMs,
    tokens_per_s: (batch * seq) / (stepMs / 1000),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
  if (before && after) {
    result.allocation = {
      fresh_allocations_per_step: after.freshAllocations - before.freshAllocations,
      fresh_mb_per_step: (after.freshBytes - before.freshBytes) / 2 ** 20,
      reused_buffers_per_step: after.reuses - before.reuses,
      cached_mb: after.cachedBytes / 2 ** 20,
    };
  }
  return result;
}

/** `measureTrainAlternated`'s figures: each precision's best step, and the speedup measured in turns. */
export interface AlternatedTrainResult {
  /** the first precision's figures (its best step) */
  first: TrainResult;
  /** the second precision's figures (its best step) */
  second: TrainResult;
  /** the median over rounds of second step time / first step time: how much faster the first is */
  speedup: number;
  /** timed rounds (one step of each precision) */
  rounds: number;
}

/**
 * `measureTrain` at two precisions of the native backend's products in one process, in rounds of
 * one step of each after `warmup` rounds (and TRAIN_WARMUP_MS). The host this runs on drifts by 10-20% from one minute
 * to the next, so two separate runs cannot tell a precision's speedup to within that; steps in
 * turns can (as `pnpm bench:ab` does for kernels), and the median of the rounds' ratios is not
 * moved by one disturbed step. Both train the same model. Peak RSS is the process's, over both.
 */
export function measureTrainAlternated(
  name: string,
  bench: BenchConfig,
  precisions: readonly ['fp32' | 'bf16', 'fp32' | 'bf16'],
  rounds = 3,
  warmup = 2,
): AlternatedTrainResult {
  if (tf.getBackend() !== 'native')
    throw new MixdistillError(`--compare-precision needs the native backend (this run uses ${tf.getBackend()})`);
  const { batch, seq } = bench;
  const { step, dispose } = benchTrainStep(name, bench);
  const initial = precisionFromEnv() === 'bf16' ? 'bf16' : 'fp32';
  const times: [number[], number[]] = [[], []];
  // Each round takes the two steps in the other order (A B, B A, ...), as bench:ab does: a step
  // that always came first, after the other precision's step, would carry any order effect alone.
  let roundsStarted = 0;
  const round = (record: boolean) => {
    const order = roundsStarted++ % 2 === 0 ? [0, 1] : [1, 0];
    for (const side of order) {
      const precision = precisions[side];
      setNativePrecision(precision);
      const t0 = now();
      step();
      if (record) times[side].push(now() - t0);
    }
  };
  try {
    warmUp(() => round(false), warmup, TRAIN_WARMUP_MS);
    for (let i = 0; i < rounds; i++) round(true);
  } finally {
    setNativePrecision(initial);
    dispose();
  }
  const figures = (side: number): TrainResult => {
    const stepMs = Math.min(...times[side]);
    return {
      config: name,
      batch,
      seq,
      precision: precisions[side],
      stepMs,
      tokens_per_s: (batch * seq) / (stepMs / 1000),
      peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  };
  const ratios = times[0].map((t, i) => times[1][i] / t).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const speedup = ratios.length % 2 ? ratios[mid] : (ratios[mid - 1] + ratios[mid]) / 2;
  return { first: figures(0), second: figures(1), speedup, rounds };
}

export interface DecodeResult {
  config: string;
  /** how the linear and embedding weights are held */
  dtype: WeightDtype;
  /** the native kernel table (null on other backends) and, for bf16, how it multiplies bf16 (`vdpbf16ps` or `widen`) */
  kernels: string | null;
  prompt: number;
  newTokens: number;
  /** sequences decoded together */
  batch: number;
  /** generated tokens per second after the first, summed over the batch */
  tokens_per_s: number;
  /** prefill of the prompts up to the first generated token */
  time_to_first_token_ms: number;
  /** prompt tokens per second of that prefill, summed over the batch */
  prefill_tokens_per_s: number;
  peak_rss_mb: number;
  /** wall time of one decoding step (every row's next token) in the fastest run */
  step_ms: number;
  /** of step_ms, the time inside the native backend's kernels (null on other backends) */
  native_ms_per_step: number | null;
  /** of step_ms, the rest: JavaScript between the kernels (null on other backends) */
  host_ms_per_step: number | null;
}

/** What {@link measureDecode} decodes. */
export interface DecodeOptions {
  /** prompt tokens per sequence */
  prompt: number;
  /** tokens generated per sequence (greedy; random weights never stop early) */
  newTokens: number;
  /** timed runs (the best is kept) */
  repeats: number;
  /** how the linear and embedding weights are held */
  dtype: WeightDtype;
  /** sequences decoded together */
  batch: number;
}

/**
 * Greedy decoding with a KV cache: tokens/s after the first token, and the prefill time. One
 * untimed run first (JIT compilation and the first fill of the buffer pool are start-up costs,
 * not decoding speed), then the best of `repeats` timed runs (the torch peer does the same).
 */
export async function measureDecode(
  name: string,
  bench: BenchConfig,
  options: Partial<DecodeOptions> = {},
): Promise<DecodeResult> {
  const { prompt, newTokens, repeats, dtype, batch } = {
    prompt: 32,
    newTokens: 32,
    repeats: 3,
    dtype: 'f32' as const,
    batch: 1,
    ...options,
  };
  const config = parseModelConfig(bench.config, `${name} (benchmark config)`);
  const model = createModel(config, { seed: 0, dtype });
  // Different prompts per row, so no two rows compute the same thing.
  const prompts = Array.from({ length: batch }, (_, r) =>
    Array.from({ length: prompt }, (_, i) => (i * 7919 + 13 + r * 104729) % config.vocabSize),
  );
  await generate(model, prompts, { maxNewTokens: newTokens });
  const addon = (tf.backend() as NativeLike).addon;
  const timer = addon ? startNativeTimer(addon as unknown as Record<string, unknown>) : null;
  let firstTokenMs = Infinity;
  let stepMs = Infinity;
  let nativeMsPerStep: number | null = null;
  try {
    for (let r = 0; r < repeats; r++) {
      // One stamp per decoding step (every row gets its token in the same step).
      const stamps: number[] = [];
      let nativeMs = 0; // inside the kernels from the first stamp to the last
      const started = now();
      await generate(model, prompts, {
        maxNewTokens: newTokens,
        onToken: (row) => {
          if (row !== 0) return;
          if (stamps.length === 0) timer?.reset(); // the decoding steps start after the prefill's token
          nativeMs = timer?.elapsedMs() ?? 0;
          stamps.push(now());
        },
      });
      // The first token comes out of the prefill; the rest are one cached step each.
      const steps = stamps.length - 1;
      const ms = (stamps[stamps.length - 1] - stamps[0]) / steps;
      if (ms < stepMs) {
        stepMs = ms;
        nativeMsPerStep = timer ? nativeMs / steps : null;
      }
      firstTokenMs = Math.min(firstTokenMs, stamps[0] - started);
    }
  } finally {
    timer?.stop();
  }
  for (const [, p] of model.params) p.dispose();
  return {
    config: name,
    dtype,
    kernels: nativeKernels(dtype),
    prompt,
    newTokens,
    batch,
    tokens_per_s: (batch * 1000) / stepMs,
    time_to_first_token_ms: firstTokenMs,
    prefill_tokens_per_s: (batch * prompt) / (firstTokenMs / 1000),
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
    step_ms: stepMs,
    native_ms_per_step: nativeMsPerStep,
    host_ms_per_step: nativeMsPerStep === null ? null : stepMs - nativeMsPerStep,
  };
}
