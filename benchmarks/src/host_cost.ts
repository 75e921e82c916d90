// The host side of a cuda training step, on any machine: the cuda backend's TypeScript (tfjs'
// engine and gradient tape, the kernels' argument checks, the data-id bookkeeping) over an addon
// whose every call returns at once. No memory is allocated and nothing is computed, so the time is
// what the JS thread spends per step before the GPU can run anything: when it exceeds the device's
// time for the step, the GPU waits on JavaScript (issue 14's "launch/dispatch overhead"). N-API's
// own cost per call and cudaLaunchKernel's are not in it (the real addon adds them).
import {
  type CudaAddon,
  createFakeCudaAddon,
  type Precision,
  precisionFromEnv,
  registerFakeCudaBackend,
  tf,
} from '@mixdistill/core';
import type { BenchConfig } from './configs';
import { benchTrainStep, TRAIN_WARMUP_MS, warmUp } from './measure';

/** Entries that answer with a value or that the backend needs for bookkeeping: not device work. */
const ANSWERED = new Set(['probe', 'init', 'setMathMode', 'memoryStats', 'resetPeak']);

/** Bytes the backend holds on the device, as the allocator's callers see them (no cache, no rounding). */
export interface DeviceBytes {
  inUse: number;
  peak: number;
}

/**
 * An addon with the fake's init and probe whose other calls return at once and are counted:
 * malloc hands out distinct addresses without memory (its bytes are counted in `device`), reads
 * leave the host buffer as it is.
 */
export function createTimingCudaAddon(): { addon: CudaAddon; calls: Map<string, number>; device: DeviceBytes } {
  const fake = createFakeCudaAddon() as unknown as Record<string, unknown>;
  const calls = new Map<string, number>();
  const device: DeviceBytes = { inUse: 0, peak: 0 };
  const sizes = new Map<number, number>();
  let next = 1 << 20;
  const count = (entry: string) => calls.set(entry, (calls.get(entry) ?? 0) + 1);
  const answers: Record<string, (...args: number[]) => unknown> = {
    malloc: (bytes) => {
      const ptr = next;
      next += Math.ceil(bytes / 256) * 256 + 256;
      sizes.set(ptr, bytes);
      device.inUse += bytes;
      device.peak = Math.max(device.peak, device.inUse);
      return ptr;
    },
    free: (ptr) => {
      device.inUse -= sizes.get(ptr) ?? 0;
      sizes.delete(ptr);
    },
    sync: () => [0, 0, 0],
    eventRecord: () => 1,
    eventDone: () => true,
    eventElapsed: () => 0,
  };
  const addon: Record<string, unknown> = {};
  for (const [entry, value] of Object.entries(fake)) {
    if (typeof value !== 'function' || ANSWERED.has(entry)) {
      addon[entry] = value;
      continue;
    }
    const answer = answers[entry];
    addon[entry] = (...args: number[]) => {
      count(entry);
      return answer?.(...args);
    };
  }
  return { addon: addon as unknown as CudaAddon, calls, device };
}

export interface HostCostResult {
  config: string;
  layers: number;
  /** precision of the matrix products (MIXDISTILL_PRECISION), as the cuda backend would run them */
  precision: Precision;
  batch: number;
  seq: number;
  /** the best step's time on the JS thread, ms */
  host_ms_per_step: number;
  /** the median step's, ms */
  median_ms_per_step: number;
  /** addon calls in one step (every entry) */
  addon_calls_per_step: number;
  /** calls per step by addon entry, most first */
  calls: Record<string, number>;
  /** most device memory held at once during the timed steps (weights, moments, gradients, activations), MiB */
  peak_device_mib: number;
}

let runs = 0; // each measurement registers its own backend name over its own addon

/**
 * `steps` timed steps (after at least 2 warm-up steps and 2 s of them) of `benchTrainStep` (the step `measureTrain` times),
 * on the cuda backend over createTimingCudaAddon; the previous backend is restored.
 */
export async function measureHostCost(name: string, bench: BenchConfig, steps = 5): Promise<HostCostResult> {
  const { addon, calls, device } = createTimingCudaAddon();
  const previous = tf.getBackend();
  const precision = precisionFromEnv();
  await tf.setBackend(registerFakeCudaBackend(`cuda-host-cost-${++runs}`, precision, addon));
  try {
    const { config, step, dispose } = benchTrainStep(name, bench);
    // As measureTrain: V8 takes ~10 steps to optimise the engine's code (24 layers, Zen 2: 40, 31,
    // 36, 33, 18, 36, 27, 17, 26, 16, 19, 14 ms after 2 warm-up steps), so 2 steps left the median
    // at 23-33 ms where the steady state is 14-19.
    warmUp(step, 2, TRAIN_WARMUP_MS);
    calls.clear();
    device.peak = device.inUse;
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const start = performance.now();
      step();
      times.push(performance.now() - start);
    }
    dispose();
    times.sort((a, b) => a - b);
    // Per step, to 0.1 (a step's count may differ by a few: buffers freed by a later step's scope).
    const perStep = [...calls]
      .map(([entry, n]) => [entry, Math.round((10 * n) / steps) / 10] as const)
      .sort((a, b) => b[1] - a[1]);
    return {
      config: name,
      layers: config.numHiddenLayers,
      precision,
      batch: bench.batch,
      seq: bench.seq,
      host_ms_per_step: times[0],
      median_ms_per_step: times[Math.floor(times.length / 2)],
      addon_calls_per_step: Math.round((10 * [...calls.values()].reduce((sum, n) => sum + n, 0)) / steps) / 10,
      calls: Object.fromEntries(perStep),
      peak_device_mib: Math.round(device.peak / 2 ** 20),
    };
  } finally {
    await tf.setBackend(previous);
  }
}
