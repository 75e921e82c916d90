// Start-up backend choice: explicit request (--backend / MIXDISTILL_BACKEND), else the best
// available of cuda (this project's CUDA addon: a GPU and cuBLAS), tensorflow (tfjs-node-gpu,
// then tfjs-node), native (this project's C++ addon), cpu.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import os from 'node:os';
import { MixdistillError } from '../errors';
import { precisionFromEnv, supportedPrecisions, type Precision } from './precision';
import { tf } from '../tf';

/** Names a user can ask for. */
export const BACKEND_NAMES = ['cuda', 'tensorflow', 'native', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What was chosen, for the one start-up line and for result metadata. */
export interface BackendInfo {
  /** Backend name as the user asks for it. */
  name: BackendName;
  /** Version of the package or addon that implements it. */
  version: string;
  /** Worker threads the backend computes with. */
  threads: number;
  /**
   * The native backend's kernel table (`avx512`, `avx2` or `generic`, chosen from cpuid or
   * MIXDISTILL_ISA); null on other backends. With `threads` it fixes the floats a run computes:
   * another table or thread count sums in another order.
   */
  kernels: string | null;
  /** Precision of matrix products (`--precision`, MIXDISTILL_PRECISION; see precision.ts). */
  precision: Precision;
  /** Why better backends were skipped (empty when the first choice worked). */
  skipped: string[];
}

/** A backend that could not be made active, with the reason a user can act on. */
export class BackendUnavailableError extends MixdistillError {}

const require = createRequire(import.meta.url);

interface Candidate {
  name: BackendName;
  /** Registers the backend with tfjs and returns its version and threads, or throws with the reason. */
  load: () => Promise<{ tfName: string; version: string; threads: number; kernels?: string }>;
  install: string;
}

function loadTensorflow(): Promise<{ tfName: string; version: string; threads: number }> {
  const errors: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      // Check for the compiled binding first: a failed optional install leaves the package folder
      // behind without it, and requiring it then registers half its kernels before throwing.
      let dir: string;
      try {
        dir = path.dirname(require.resolve(`${pkg}/package.json`));
      } catch {
        throw new Error('not installed');
      }
      const libDir = path.join(dir, 'lib');
      const hasBinding =
        fs.existsSync(libDir) &&
        fs.readdirSync(libDir).some((d) => fs.existsSync(path.join(libDir, d, 'tfjs_binding.node')));
      if (!hasBinding)
        throw new Error('installed without its binding (its install script could not download libtensorflow)');
      require(pkg);
      const version = (require(`${pkg}/package.json`) as { version: string }).version;
      return Promise.resolve({
        tfName: 'tensorflow',
        version: `${pkg}@${version}`,
        threads: os.availableParallelism(),
      });
    } catch (err) {
      errors.push(`${pkg}: ${firstLine(err)}`);
    }
  }
  return Promise.reject(new BackendUnavailableError(errors.join('; ')));
}

async function loadNative(): Promise<{ tfName: string; version: string; threads: number; kernels: string }> {
  // The native module registers the 'native' backend; it throws with the reason when the addon
  // was not built (no compiler at install time, unsupported platform).
  const native = (await import('./native/register')) as {
    registerNativeBackend: () => { version: string; threads: number; isa: string };
  };
  const { version, threads, isa } = native.registerNativeBackend();
  return { tfName: 'native', version, threads, kernels: isa };
}

async function loadCuda(): Promise<{ tfName: string; version: string; threads: number }> {
  // Throws with the reason (addon not built, no driver or GPU, cuBLAS not found) before touching tfjs.
  const cuda = (await import('./cuda/register')) as { registerCudaBackend: () => { version: string; threads: number } };
  const { version, threads } = cuda.registerCudaBackend();
  return { tfName: 'cuda', version, threads };
}

async function loadCpu(): Promise<{ tfName: string; version: string; threads: number }> {
  const version = (require('@tensorflow/tfjs-backend-cpu/package.json') as { version: string }).version;
  return { tfName: 'cpu', version: `@tensorflow/tfjs-backend-cpu@${version}`, threads: 1 };
}

const CANDIDATES: Candidate[] = [
  {
    name: 'cuda',
    load: loadCuda,
    install:
      'an NVIDIA GPU with its driver, cuBLAS 13 (CUDA toolkit or the nvidia-cublas wheel; MIXDISTILL_CUBLAS_DIR names its folder), and nvcc at `pnpm install`; see packages/core/cuda',
  },
  {
    name: 'tensorflow',
    load: loadTensorflow,
    install:
      // No longer a dependency: its install downloads libtensorflow (a wall of ENOTFOUND traces offline)
      // and tfjs-node-gpu needs CUDA 11.2. It still loads when a user installs it.
      'not a dependency any more; to use it: npx -y pnpm@9.15.9 add @tensorflow/tfjs-node@4.22.0 --filter @mixdistill/core (downloads libtensorflow, needs internet)',
  },
  {
    name: 'native',
    load: loadNative,
    install: 'rebuild the addon with `pnpm install` (needs g++ and make); see packages/core/native',
  },
  { name: 'cpu', load: loadCpu, install: 'it ships with @mixdistill/core' },
];

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/**
 * Makes a backend active. `requested` (or MIXDISTILL_BACKEND) forces one and fails with a clear
 * error if it cannot load; otherwise the first candidate that loads wins.
 */
export async function selectBackend(requested?: string): Promise<BackendInfo> {
  const wanted = requested ?? process.env.MIXDISTILL_BACKEND;
  if (wanted !== undefined && wanted !== '' && !BACKEND_NAMES.includes(wanted as BackendName)) {
    throw new BackendUnavailableError(`unknown backend '${wanted}': expected one of ${BACKEND_NAMES.join(', ')}`);
  }
  const candidates = wanted ? CANDIDATES.filter((c) => c.name === wanted) : CANDIDATES;
  const skipped: string[] = [];
  const precision = precisionFromEnv();
  for (const candidate of candidates) {
    const supported = supportedPrecisions(candidate.name);
    if (!supported.includes(precision)) {
      const able = BACKEND_NAMES.filter((n) => supportedPrecisions(n).includes(precision));
      const reason = `--precision ${precision}: the ${candidate.name} backend computes ${supported.join(', ')} only; use --backend ${able.join(' or ')}, or leave --precision out`;
      if (wanted) throw new BackendUnavailableError(reason);
      skipped.push(reason);
      continue;
    }
    try {
      const loaded = await candidate.load();
      const ok = await tf.setBackend(loaded.tfName);
      if (!ok) throw new Error(`tfjs could not initialise backend '${loaded.tfName}'`);
      return {
        name: candidate.name,
        version: loaded.version,
        threads: loaded.threads,
        kernels: loaded.kernels ?? null,
        precision,
        skipped,
      };
    } catch (err) {
      const reason = `${candidate.name} unavailable: ${firstLine(err)}`;
      if (wanted) throw new BackendUnavailableError(`${reason} (to get it: ${candidate.install})`);
      skipped.push(`${reason} (to get it: ${candidate.install})`);
    }
  }
  throw new BackendUnavailableError(`no backend could be loaded: ${skipped.join('; ')}`);
}

/** The single start-up line, e.g. `backend: native 0.1.0 (AVX-512), 2 threads`. */
export function describeBackend(info: BackendInfo): string {
  const precision = info.precision === 'fp32' ? '' : `, ${info.precision} matrix products`;
  return `backend: ${info.name} ${info.version}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${precision}`;
}

/**
 * Every backend this machine can activate (tfjs names, e.g. `['native', 'cpu']`). Activates each in
 * turn, so call it before choosing the one to use; tests run their numerical checks on each.
 */
export async function activatableBackends(): Promise<string[]> {
  const names: string[] = [];
  for (const name of BACKEND_NAMES) {
    try {
      await selectBackend(name);
      names.push(tf.getBackend());
    } catch {
      // Not available here (no addon, no libtensorflow).
    }
  }
  return names;
}
