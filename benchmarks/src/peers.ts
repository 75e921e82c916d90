// The peers the benchmark compares against, run as child processes: PyTorch (when
// /usr/bin/python3 has torch) and OpenBLAS cblas_sgemm (when libopenblas-dev is installed).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const PYTHON = '/usr/bin/python3';

function runJson(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 900_000,
): Record<string, unknown> | null {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    process.stderr.write(`peer failed: ${cmd} ${args.join(' ')}\n${r.stderr ?? ''}\n`);
    return null;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Record<string, unknown>;
}

/** PyTorch, with OMP_WAIT_POLICY=PASSIVE (its fastest setting on the reference machine). */
export class TorchPeer {
  readonly available: boolean;
  readonly version: string;

  constructor(private readonly threads: number) {
    const r = fs.existsSync(PYTHON)
      ? spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' })
      : null;
    this.available = r?.status === 0;
    this.version = this.available ? r!.stdout.trim() : '';
  }

  run(workload: string, args: string[]): Record<string, unknown> | null {
    if (!this.available) return null;
    const env = { ...process.env, OMP_WAIT_POLICY: 'PASSIVE', OMP_NUM_THREADS: String(this.threads) };
    return runJson(
      PYTHON,
      [path.join(PEERS_DIR, 'torch_reference.py'), '--threads', String(this.threads), workload, ...args],
      env,
    );
  }
}

/** OpenBLAS sgemm, compiled on first use; OPENBLAS_CORETYPE/L2_SIZE are unset so it picks its best kernels. */
export class OpenBlasPeer {
  readonly available: boolean;
  private readonly binary = path.join(os.tmpdir(), `mixdistill-openblas-sgemm-${process.pid}`);

  constructor(private readonly threads: number) {
    const r = spawnSync('gcc', ['-O2', path.join(PEERS_DIR, 'openblas_sgemm.c'), '-lopenblas', '-o', this.binary], {
      encoding: 'utf8',
    });
    this.available = r.status === 0;
  }

  sgemm(m: number, n: number, k: number, transposeB: boolean): Record<string, unknown> | null {
    if (!this.available) return null;
    const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(this.threads) };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    return runJson(this.binary, [m, n, k, transposeB ? 1 : 0].map(String), env);
  }

  dispose(): void {
    fs.rmSync(this.binary, { force: true });
  }
}
