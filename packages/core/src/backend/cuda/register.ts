// Registers the `cuda` backend with tfjs: the device kernels, the fused kernels with their
// gradients, and a counted cpu fallback under every other kernel name the cpu backend has.
// select.ts calls this at start-up; it throws with the reason when cuda cannot be used.
import { createRequire } from 'node:module';
import { MixdistillError } from '../../errors';
import { PRECISIONS, precisionFromEnv, type Precision } from '../precision';
import { tf } from '../../tf';
import { FUSED_GRADIENTS } from '../native/kernels/fused';
import { cublasSearchDirs } from './cublas_dirs';
import { loadCudaAddon, type CudaAddon, type CudaProbe } from './cuda_addon';
import { createFakeCudaAddon } from './fake_addon';
import { CudaBackend } from './cuda_backend';
import { ELEMENTWISE_KERNELS } from './kernels/elementwise';
import { FUSED_CUDA_KERNELS } from './kernels/fused';
import { INDEXING_KERNELS } from './kernels/indexing';
import type { CudaKernel, CudaKernelArgs } from './kernels/kernel_util';
import { LAYOUT_KERNELS } from './kernels/layout';
import { LINEAR_CROSS_ENTROPY_CUDA_KERNELS } from './kernels/linear_cross_entropy';
import { LINEAR_CUDA_KERNELS } from './kernels/linear';
import { MATMUL_KERNELS } from './kernels/matmul';
import { OPTIMIZER_CUDA_KERNELS } from './kernels/optimizer';
import { REDUCE_KERNELS } from './kernels/reduce';

export const CUDA_BACKEND_NAME = 'cuda';

/** Kernels with tfjs names (the cpu backend has each), then the fused Md* kernels. */
const CUDA_KERNELS: CudaKernel[] = [
  ...ELEMENTWISE_KERNELS,
  ...LAYOUT_KERNELS,
  ...REDUCE_KERNELS,
  ...INDEXING_KERNELS,
  ...MATMUL_KERNELS,
];

type KernelFunc = tf.KernelConfig['kernelFunc'];

let registered: { version: string; threads: number } | undefined;

/** What the addon finds on this machine (device, driver, cuBLAS), or why it cannot be loaded. */
export function probeCuda(): CudaProbe {
  let addon: CudaAddon;
  try {
    addon = loadCudaAddon();
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  return addon.probe(cublasSearchDirs());
}

function registerKernels(backendName: string): void {
  const device = new Map(CUDA_KERNELS.map((k) => [k.name, k]));
  const cpuKernels = tf.getKernelsForBackend('cpu');
  const cpuNames = new Set(cpuKernels.map((c) => c.kernelName));
  const unknown = CUDA_KERNELS.filter((k) => !cpuNames.has(k.name)).map((k) => k.name);
  // A misspelt name would silently leave the counted fallback in place.
  if (unknown.length > 0) throw new Error(`cuda kernels without a tfjs kernel of that name: ${unknown.join(', ')}`);
  for (const config of cpuKernels) {
    const cpuFunc = config.kernelFunc;
    const kernel = device.get(config.kernelName);
    const kernelFunc: KernelFunc = (args) => {
      const backend = args.backend as CudaBackend;
      const out = kernel?.run(args as unknown as CudaKernelArgs);
      return (
        out ??
        backend.fallback.run(
          config.kernelName,
          cpuFunc,
          backend,
          args.inputs as Record<string, tf.TensorInfo>,
          args.attrs,
        )
      );
    };
    tf.registerKernel({ kernelName: config.kernelName, backendName, kernelFunc });
  }
  for (const k of [
    ...LINEAR_CUDA_KERNELS,
    ...LINEAR_CROSS_ENTROPY_CUDA_KERNELS,
    ...FUSED_CUDA_KERNELS,
    ...OPTIMIZER_CUDA_KERNELS,
  ]) {
    tf.registerKernel({
      kernelName: k.name,
      backendName,
      kernelFunc: (args) => k.run(args as unknown as CudaKernelArgs)!,
    });
  }
  // Gradients are global in tfjs; the native backend registers the same ones when it loads.
  for (const g of FUSED_GRADIENTS) tf.registerGradient(g);
}

/** @mixdistill/core's version ('bundled' where a bundle left package.json behind, as benchmarks/gpu's does). */
function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../../package.json') as { version: string }).version;
  } catch {
    return 'bundled';
  }
}

/**
 * Makes `cuda` available to tf.setBackend; returns its version and thread count, or throws an
 * Error saying why it is unavailable (addon not built, no driver or device, cuBLAS not found).
 */
export function registerCudaBackend(): { version: string; threads: number } {
  if (registered) return registered;
  const addon = loadCudaAddon();
  const dirs = cublasSearchDirs();
  const probe = addon.probe(dirs);
  if (!probe.ok) {
    // Both problems at once: a machine being set up usually lacks the driver and cuBLAS together.
    const blas = probe.cublasReason && probe.cublasReason !== probe.reason ? `; ${probe.cublasReason}` : '';
    throw new Error(`${probe.reason}${blas}`);
  }
  const mode = precisionFromEnv();
  const init = addon.init(dirs);
  addon.setMathMode(mode);
  tf.registerBackend(CUDA_BACKEND_NAME, () => new CudaBackend(addon, init), 1);
  registerKernels(CUDA_BACKEND_NAME);
  const gib = (init.totalBytes / 2 ** 30).toFixed(0);
  registered = {
    version: `${packageVersion()} (${init.device}, cc ${init.cc}, ${gib} GiB, cuBLAS ${init.cublasVersion}, ${mode})`,
    threads: 1,
  };
  return registered;
}

/**
 * Switches the registered `cuda` backend's matrix products to `mode` from the next launch (the
 * GPU check compares modes in one process; a run sets it once, through MIXDISTILL_PRECISION).
 */
export function setCudaMathMode(mode: Precision): void {
  if (!registered) throw new MixdistillError('setCudaMathMode: the cuda backend is not registered');
  if (!(PRECISIONS as readonly string[]).includes(mode)) {
    throw new MixdistillError(`cuda math mode '${mode}': expected one of ${PRECISIONS.join(', ')}`);
  }
  loadCudaAddon().setMathMode(mode);
}

const fakes = new Set<string>();

/**
 * Registers the cuda backend's TypeScript side over the host-memory fake addon under `name`
 * (never `cuda`, never chosen by select.ts): for tests and the GPU check's dry run on machines
 * without a GPU. `math` is its matmul mode (the fake models fp32 and bf16). `addon` replaces the
 * fake (benchmarks time the host side over one whose calls return at once). Returns the tfjs backend name.
 */
export function registerFakeCudaBackend(
  name = 'cuda-fake',
  math: Precision = 'fp32',
  addon: CudaAddon = createFakeCudaAddon(),
): string {
  if (name === CUDA_BACKEND_NAME) throw new Error('the fake cuda backend cannot take the name cuda');
  if (fakes.has(name)) return name;
  const init = addon.init([]);
  addon.setMathMode(math);
  tf.registerBackend(name, () => new CudaBackend(addon, init), 0);
  registerKernels(name);
  fakes.add(name);
  return name;
}
