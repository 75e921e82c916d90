// Registers the `native` backend with tfjs: every kernel of the cpu backend (so coverage is
// complete and anything not native falls back correctly), the addon's kernels over them, and the
// fused and optimiser kernels, the fused ones with their gradients. select.ts calls this at start-up.
import { createRequire } from 'node:module';
import os from 'node:os';
import { tf } from '../../tf';
import { MixdistillError } from '../../errors';
import { precisionFromEnv } from '../precision';
import { loadAddon } from './addon';
import { NativeBackend } from './native_backend';
import { BF16_NATIVE_KERNELS } from './kernels/bf16';
import { DECODER_LAYER_NATIVE_KERNELS } from './kernels/decoder_layer';
import { FUSED_GRADIENTS, FUSED_NATIVE_KERNELS } from './kernels/fused';
import type { KernelArgs, NativeKernel } from './kernels/kernel_util';
import { ELEMENTWISE_KERNELS } from './kernels/elementwise';
import { LAYOUT_FUSED_KERNELS, LAYOUT_KERNELS } from './kernels/layout';
import { LINEAR_NATIVE_KERNELS } from './kernels/linear';
import { MATMUL_KERNELS } from './kernels/matmul';
import { OPTIMIZER_NATIVE_KERNELS } from './kernels/optimizer';
import { REDUCE_KERNELS } from './kernels/reduce';

export const NATIVE_BACKEND_NAME = 'native';

/** Kernels the addon implements for tfjs kernel names the cpu backend also has. */
const NATIVE_KERNELS: NativeKernel[] = [
  ...MATMUL_KERNELS,
  ...ELEMENTWISE_KERNELS,
  ...REDUCE_KERNELS,
  ...LAYOUT_KERNELS,
];

let registered: { version: string; threads: number; isa: string } | undefined;

type KernelFunc = tf.KernelConfig['kernelFunc'];

function registerKernels(): void {
  const native = new Map(NATIVE_KERNELS.map((k) => [k.name, k]));
  const cpuKernels = tf.getKernelsForBackend('cpu');
  const cpuNames = new Set(cpuKernels.map((c) => c.kernelName));
  const unknown = NATIVE_KERNELS.filter((k) => !cpuNames.has(k.name)).map((k) => k.name);
  // A misspelt kernel name would silently leave the slow cpu kernel in place.
  if (unknown.length > 0) throw new Error(`native kernels without a tfjs kernel of that name: ${unknown.join(', ')}`);
  for (const config of cpuKernels) {
    const cpuFunc = config.kernelFunc;
    const nativeKernel = native.get(config.kernelName);
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as NativeBackend;
      return backend.inKernel(() => {
        const out = nativeKernel?.run(args as unknown as KernelArgs);
        return out ?? cpuFunc(args);
      });
    };
    tf.registerKernel({ ...config, backendName: NATIVE_BACKEND_NAME, kernelFunc });
  }
  for (const k of [
    ...LINEAR_NATIVE_KERNELS,
    ...FUSED_NATIVE_KERNELS,
    ...OPTIMIZER_NATIVE_KERNELS,
    ...BF16_NATIVE_KERNELS,
    ...DECODER_LAYER_NATIVE_KERNELS,
    ...LAYOUT_FUSED_KERNELS,
  ]) {
    tf.registerKernel({
      kernelName: k.name,
      backendName: NATIVE_BACKEND_NAME,
      kernelFunc: (args) => (args.backend as NativeBackend).inKernel(() => k.run(args as unknown as KernelArgs)!),
    });
  }
  for (const g of FUSED_GRADIENTS) tf.registerGradient(g);
}

/**
 * Makes `native` available to tf.setBackend; returns its version and thread count, or throws an
 * Error saying why it is unavailable (addon not built, failed to load).
 */
export function registerNativeBackend(): { version: string; threads: number; isa: string } {
  if (registered) return registered;
  const addon = loadAddon();
  const { isa, threads } = addon.info();
  const precision = precisionFromEnv() === 'bf16' ? 'bf16' : 'fp32';
  tf.registerBackend(NATIVE_BACKEND_NAME, () => new NativeBackend(addon, os.totalmem(), precision), 1);
  registerKernels();
  const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
  registered = { version: `${pkg.version} (${isa})`, threads, isa };
  return registered;
}

/**
 * Switches the native backend's matrix products to `precision` from the next kernel (tests and
 * benchmarks compare precisions in one process; a run sets it once, through MIXDISTILL_PRECISION).
 */
export function setNativePrecision(precision: 'fp32' | 'bf16'): void {
  if (!registered) throw new MixdistillError('setNativePrecision: the native backend is not registered');
  (tf.findBackend(NATIVE_BACKEND_NAME) as NativeBackend).precision = precision;
}
