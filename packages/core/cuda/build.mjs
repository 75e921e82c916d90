// Install-time build of the CUDA backend addon (`pnpm install` runs it after native/build.mjs
// through the package's "install" script). Needs only nvcc: cuBLAS is opened at run time, and the
// CUDA runtime is linked statically, so the addon loads on any machine and says there why cuda is
// unavailable. The install never fails because of it: without nvcc, or on any error, this prints
// one line saying why and exits 0 (start-up then reports `cuda` as unavailable).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const outDir = path.join(here, 'build');
const objDir = path.join(outDir, 'obj');
export const ADDON_FILE = path.join(outDir, 'mixdistill_cuda.node');

function skip(reason) {
  console.error(`[mixdistill] cuda addon not built: ${reason}`);
  process.exit(0);
}

if (process.env.MIXDISTILL_SKIP_CUDA_BUILD) skip('MIXDISTILL_SKIP_CUDA_BUILD is set');

const nvcc = process.env.NVCC ?? 'nvcc';
const version = spawnSync(nvcc, ['--version'], { encoding: 'utf8' });
if (version.error || version.status !== 0)
  skip(`${nvcc} not found on PATH (install the CUDA toolkit to build the cuda backend)`);

let napiInclude;
try {
  napiInclude = require('node-addon-api').include_dir;
} catch {
  skip('node-addon-api is not installed');
}
// The headers of the running Node (Debian's nodejs-dev, official tarballs), as native/build.mjs uses.
const prefix = path.resolve(path.dirname(process.execPath), '..');
const nodeInclude = path.join(prefix, 'include', 'node');
if (!fs.existsSync(path.join(nodeInclude, 'node_api.h')))
  skip(`Node's headers are not installed (${nodeInclude}/node_api.h is missing)`);

// sm_80 and sm_90 machine code plus compute_90 PTX, so a newer GPU can JIT it.
const ARCH = [
  '-gencode',
  'arch=compute_80,code=sm_80',
  '-gencode',
  'arch=compute_90,code=sm_90',
  '-gencode',
  'arch=compute_90,code=compute_90',
];
const COMMON = [
  '-O3',
  '-std=c++17',
  '-Xcompiler',
  '-fPIC',
  '-Xcompiler',
  '-fexceptions',
  '-DNAPI_CPP_EXCEPTIONS',
  '-DNAPI_VERSION=8',
  `-I${napiInclude}`,
  `-I${nodeInclude}`,
  `-I${path.join(here, 'src')}`,
];

const sources = fs
  .readdirSync(path.join(here, 'src'))
  .filter((f) => f.endsWith('.cu') || f.endsWith('.cc'))
  .sort();
fs.rmSync(outDir, { recursive: true, force: true });
fs.mkdirSync(objDir, { recursive: true });

/** Runs nvcc; resolves with its output, rejects with the first error line. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(nvcc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => (log += d));
    child.stderr.on('data', (d) => (log += d));
    child.on('error', (err) => reject(new Error(err.message)));
    child.on('close', (code) => {
      if (code === 0) resolve(log);
      else {
        console.error(log.split('\n').slice(-30).join('\n'));
        reject(
          new Error(
            log
              .split('\n')
              .find((l) => /error/i.test(l))
              ?.trim() ?? `nvcc exited with ${code}`,
          ),
        );
      }
    });
  });
}

/** Compiles every source, `jobs` at a time (the .cu files take most of the time, one device pass per arch). */
async function compileAll(jobs) {
  const queue = [...sources];
  const objects = [];
  const worker = async () => {
    for (let src = queue.shift(); src !== undefined; src = queue.shift()) {
      const obj = path.join(objDir, `${src}.o`);
      const device = src.endsWith('.cu') ? ARCH : [];
      const log = await run([...COMMON, ...device, '-c', path.join(here, 'src', src), '-o', obj]);
      if (/warning/i.test(log)) console.error(log.trim());
      objects.push(obj);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return objects.sort();
}

console.error('[mixdistill] building the cuda backend addon with nvcc (about a minute)...');
const started = Date.now();
try {
  const objects = await compileAll(Math.max(1, Math.min(os.availableParallelism(), sources.length)));
  // -cudart static: no libcudart.so needed where it runs; libcublas is dlopen'ed, never linked.
  await run([...ARCH, '-shared', '-cudart', 'static', '-Xcompiler', '-fPIC', ...objects, '-ldl', '-o', ADDON_FILE]);
} catch (err) {
  skip(err.message);
}
fs.rmSync(objDir, { recursive: true, force: true });
console.error(
  `[mixdistill] cuda addon built in ${((Date.now() - started) / 1000).toFixed(0)} s: packages/core/cuda/build/mixdistill_cuda.node`,
);
