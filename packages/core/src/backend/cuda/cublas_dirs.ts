// Folders that may hold libcublas.so.13, in the order they are tried. cuBLAS comes with the CUDA
// toolkit (lib64) or as the `nvidia-cublas` Python wheel (site-packages/nvidia/cu13/lib for CUDA
// 13 wheels, nvidia/cublas/lib for CUDA 12 ones), which is how PyTorch machines have it.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Entries of `dir` matching `re` (none when it cannot be read). */
function listMatching(dir: string, re: RegExp): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((d) => re.test(d))
      .sort()
      .reverse()
      .map((d) => path.join(dir, d));
  } catch {
    return [];
  }
}

/** The cuBLAS folders inside one site-packages folder. */
function wheelDirs(sitePackages: string): string[] {
  const nvidia = path.join(sitePackages, 'nvidia');
  return [path.join(nvidia, 'cu13', 'lib'), path.join(nvidia, 'cublas', 'lib')];
}

/** site-packages folders of the usual Python installs (no Python is run). */
function sitePackagesGuesses(): string[] {
  const roots: string[] = [];
  const pyDirs = (libDir: string) => listMatching(libDir, /^python3(\.\d+)?$/);
  for (const py of pyDirs('/usr/lib')) roots.push(path.join(py, 'site-packages'), path.join(py, 'dist-packages'));
  for (const py of pyDirs('/usr/local/lib')) roots.push(path.join(py, 'dist-packages'), path.join(py, 'site-packages'));
  for (const py of pyDirs(path.join(os.homedir(), '.local', 'lib'))) roots.push(path.join(py, 'site-packages'));
  // Virtual environments under /opt (e.g. /opt/torch/.venv on the lent GPU machines).
  for (const opt of listMatching('/opt', /./)) {
    for (const venv of ['.venv', 'venv']) {
      for (const py of pyDirs(path.join(opt, venv, 'lib'))) roots.push(path.join(py, 'site-packages'));
    }
  }
  if (process.env.VIRTUAL_ENV)
    for (const py of pyDirs(path.join(process.env.VIRTUAL_ENV, 'lib'))) roots.push(path.join(py, 'site-packages'));
  return roots;
}

/** site-packages folders of the `python3` on PATH (one short process; [] without Python). */
function pythonSitePackages(): string[] {
  const r = spawnSync(
    'python3',
    ['-c', 'import site, sys; print("\\n".join(site.getsitepackages() + [site.getusersitepackages()]))'],
    {
      encoding: 'utf8',
      timeout: 5000,
    },
  );
  return r.status === 0
    ? r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '')
    : [];
}

/**
 * Candidate folders, existing ones only: MIXDISTILL_CUBLAS_DIR, CUDA_HOME/CUDA_PATH lib64,
 * /usr/local/cuda*, LD_LIBRARY_PATH, then Python wheels. The addon tries the loader's own search
 * path after these. Python is asked for its site-packages only when no guess has cuBLAS.
 */
export function cublasSearchDirs(): string[] {
  cachedDirs ??= searchDirs();
  return cachedDirs;
}

let cachedDirs: string[] | undefined;

function searchDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.MIXDISTILL_CUBLAS_DIR) dirs.push(...process.env.MIXDISTILL_CUBLAS_DIR.split(':'));
  for (const v of ['CUDA_HOME', 'CUDA_PATH']) {
    const home = process.env[v];
    if (home) dirs.push(path.join(home, 'lib64'), path.join(home, 'lib'));
  }
  for (const cuda of ['/usr/local/cuda', ...listMatching('/usr/local', /^cuda-\d/)])
    dirs.push(path.join(cuda, 'lib64'));
  dirs.push(...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== ''));
  for (const site of sitePackagesGuesses()) dirs.push(...wheelDirs(site));
  const hasCublas = (d: string) =>
    fs.existsSync(path.join(d, 'libcublas.so.13')) || fs.existsSync(path.join(d, 'libcublas.so.12'));
  if (!dirs.some(hasCublas)) for (const site of pythonSitePackages()) dirs.push(...wheelDirs(site));
  return [...new Set(dirs)].filter((d) => fs.existsSync(d));
}
