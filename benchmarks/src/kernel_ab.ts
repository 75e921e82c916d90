// `pnpm bench:ab`: the working tree's native kernels against a base revision's, in one process.
// Both kernel sources are compiled for the table this machine runs (the native backend's choice,
// MIXDISTILL_ISA to force one) into two namespaces of one binary (kernel_ab/kernel_ab.cc), whose
// calls alternate between them: on a shared machine whose speed drifts by 10-20% between runs,
// separate processes cannot tell a 5% change, turns within one process can.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { selectBackend } from '@mixdistill/core';
import { KERNEL_TABLE_FLAGS } from './table_flags';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const NATIVE_SRC = 'packages/core/native/src';
const KERNEL_SOURCES = ['gemm', 'elementwise', 'fused', 'attention', 'bf16', 'table'];

const COMMON_FLAGS = ['-O3', '-std=c++17', '-fPIC', '-fno-math-errno', '-fno-trapping-math', '-pthread'];

/** The shapes of a tiny and a Qwen2.5-0.5B training step, and a decoding step's attention. */
const DEFAULT_WORKLOADS = [
  'gemm:512,256,256,bt',
  'gemm:512,704,256,bt',
  'gemm:704,256,512,at',
  'gemm:512,128,896,bt',
  'gemm:512,4864,896,bt',
  'gemm:512,896,4864',
  'attention:4,4,2,128,128,64',
  'attention:1,14,2,512,512,64',
  'attention:1,14,2,1,512,64',
];

/** What kernel_ab.cc reads: gemm:M,N,K[,at][,bt][,bf16], attention:B,HQ,HKV,S,T,D, xent:ROWS,VOCAB, softmax:ROWS,COLS, exp:N, bf16:M,N,K. */
const WORKLOAD =
  /^(gemm:\d+,\d+,\d+(,at|,bt|,bf16)*|attention:\d+(,\d+){5}|xent:\d+,\d+|softmax:\d+,\d+|exp:\d+|bf16:\d+,\d+,\d+)$/;

const USAGE = `pnpm bench:ab [--base REV] [--seconds S] [--cold MB] [--idle MS] [--json] [WORKLOAD...]
  --base     revision whose kernels are the baseline (default: HEAD)
  --seconds  time per workload, the two sides in turns (default: 3)
  --cold     before each call, write MB megabytes of another buffer on every thread (untimed), so the
             call finds its operands evicted as in a training step, where other kernels ran in between
             (default: 0, every call after the first finds them in cache)
  --idle     before each call, run MS milliseconds of integer-only work on the calling thread (untimed),
             so the call starts as a training step's products do, after host code: a core's
             multiply-add rate ramps back up over ~1.5 ms of dense FMAs after such a stretch
             (default: 0, back-to-back calls keep it at its peak)
  --json     print one JSON document on stdout
  WORKLOAD   gemm:M,N,K[,at][,bt][,bf16]  C [M, N] = A · B, A stored [K, M] with at, B stored [N, K] with bt,
             bf16 operands with float32 accumulation with bf16 (train --precision bf16)
             attention:B,HQ,HKV,S,T,D  causal GQA attention, forward (and backward when S == T)
             xent:ROWS,VOCAB  cross-entropy from logits, forward and backward
             softmax:ROWS,COLS  softmax over the last axis
             exp:N  elementwise exp
             bf16:M,N,K  x [M, K] · Wᵀ, W [N, K] bf16 read from memory (M <= 16: GB/s of W, a decoding step)
             (default: tiny and Qwen2.5-0.5B shapes)
speedup = base median / working-tree median; max_abs_diff compares the two sides' outputs.`;

interface AbResult {
  workload: string;
  threads: number;
  base_ms: number;
  work_ms: number;
  speedup: number;
  base_gflops: number; // 0 for the memory-bound workloads (xent, softmax, exp, bf16 with M <= 16)
  work_gflops: number;
  base_gbs: number; // bytes read and written at least, per second; 0 for gemm and attention
  work_gbs: number;
  calls: number;
  max_abs_diff: number;
}

function args(): {
  base: string;
  seconds: number;
  coldMb: number;
  idleMs: number;
  json: boolean;
  workloads: string[];
} {
  const argv = process.argv.slice(2);
  if (argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const out = { base: 'HEAD', seconds: 3, coldMb: 0, idleMs: 0, json: false, workloads: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--base') out.base = argv[++i];
    else if (argv[i] === '--seconds') out.seconds = Number(argv[++i]);
    else if (argv[i] === '--cold') out.coldMb = Number(argv[++i]);
    else if (argv[i] === '--idle') out.idleMs = Number(argv[++i]);
    else if (argv[i] === '--json') out.json = true;
    else if (WORKLOAD.test(argv[i])) out.workloads.push(argv[i]);
    else if (/^(gemm|attention|xent|softmax|exp|bf16):/.test(argv[i]))
      fail(`cannot read workload '${argv[i]}'\n${USAGE}`);
    else fail(`unknown argument '${argv[i]}'\n${USAGE}`);
  }
  if (!(out.seconds > 0)) fail('--seconds must be a positive number');
  if (!(out.coldMb >= 0 && out.coldMb <= 4096)) fail('--cold must be a number of megabytes from 0 to 4096');
  if (!(out.idleMs >= 0 && out.idleMs <= 1000)) fail('--idle must be a number of milliseconds from 0 to 1000');
  if (out.workloads.length === 0) out.workloads = DEFAULT_WORKLOADS;
  return out;
}

/** A failure to report in one line (plus the tool's own output); thrown so the temp folder is removed. */
class AbError extends Error {}

function fail(message: string): never {
  throw new AbError(message);
}

function run(command: string, argv: string[], cwd = ROOT): string {
  const r = spawnSync(command, argv, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) fail(`${command} ${argv.slice(0, 3).join(' ')} … failed\n${r.stderr ?? r.error?.message ?? ''}`);
  return r.stdout;
}

/** Compiles one tree's kernel sources into namespace md::<ns>, all at once; returns the object files. */
async function compileKernels(srcDir: string, ns: string, flags: string[], outDir: string): Promise<string[]> {
  const compile = promisify(execFile);
  return Promise.all(
    KERNEL_SOURCES.map(async (name) => {
      const object = path.join(outDir, `${ns}_${name}.o`);
      const source = path.join(srcDir, 'kernels', `${name}.cc`);
      await compile('g++', [...COMMON_FLAGS, ...flags, `-DMD_ISA=${ns}`, '-c', source, '-o', object]).catch(
        (e: { stderr?: string }) => fail(`g++ ${source} failed\n${e.stderr ?? e}`),
      );
      return object;
    }),
  );
}

/** A side's speed in the unit its workload counts: GFLOP/s for products and attention, GB/s otherwise. */
function rate(r: AbResult, side: 'base' | 'work'): string {
  const gflops = side === 'base' ? r.base_gflops : r.work_gflops;
  return gflops > 0 ? `${gflops.toFixed(1)} GFLOP/s` : `${(side === 'base' ? r.base_gbs : r.work_gbs).toFixed(1)} GB/s`;
}

async function main(): Promise<void> {
  const opts = args();
  const info = await selectBackend('native');
  const isa = info.kernels ?? 'generic';
  const flags = KERNEL_TABLE_FLAGS[isa] ?? fail(`no compiler flags for kernel table '${isa}'`);
  const rev = run('git', ['rev-parse', '--short', opts.base]).trim();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mixdistill-kernel-ab-'));
  try {
    // The base revision's native sources, as committed.
    const archive = path.join(dir, 'base.tar');
    run('git', ['archive', '-o', archive, rev, NATIVE_SRC]);
    run('tar', ['-xf', archive, '-C', dir]);
    process.stderr.write(`bench:ab: compiling the ${isa} kernels of ${rev} and of the working tree…\n`);
    const objects = (
      await Promise.all([
        compileKernels(path.join(dir, NATIVE_SRC), 'ab_base', flags, dir),
        compileKernels(path.join(ROOT, NATIVE_SRC), 'ab_work', flags, dir),
      ])
    ).flat();
    const binary = path.join(dir, 'kernel_ab');
    run('g++', [
      ...COMMON_FLAGS,
      path.join(ROOT, 'benchmarks/kernel_ab/kernel_ab.cc'),
      path.join(ROOT, NATIVE_SRC, 'thread_pool.cc'),
      path.join(ROOT, NATIVE_SRC, 'cpu_features.cc'),
      ...objects,
      '-o',
      binary,
    ]);
    process.stderr.write(
      `bench:ab: ${opts.workloads.length} workloads, ${opts.seconds} s each, ${info.threads} threads\n`,
    );
    const cold = opts.coldMb > 0 ? ['--cold', String(opts.coldMb)] : [];
    const idle = opts.idleMs > 0 ? ['--idle', String(opts.idleMs)] : [];
    const results = run(binary, [String(opts.seconds), ...cold, ...idle, ...opts.workloads])
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AbResult);
    if (opts.json) {
      const doc = { base: rev, isa, threads: info.threads, cold_mb: opts.coldMb, idle_ms: opts.idleMs, results };
      process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      return;
    }
    const caches = opts.coldMb > 0 ? `; ${opts.coldMb} MB written before each call` : '';
    const host = opts.idleMs > 0 ? `; ${opts.idleMs} ms of integer work before each call` : '';
    process.stdout.write(
      `kernels: ${isa} table, ${info.threads} threads; base ${rev} against the working tree${caches}${host}\n\n`,
    );
    process.stdout.write('| workload | base ms | work ms | speedup | base rate | work rate | max abs diff |\n');
    process.stdout.write('|---|---|---|---|---|---|---|\n');
    for (const r of results)
      process.stdout.write(
        `| ${r.workload} | ${r.base_ms.toFixed(3)} | ${r.work_ms.toFixed(3)} | ${r.speedup.toFixed(3)}× | ${rate(r, 'base')} | ${rate(r, 'work')} | ${r.max_abs_diff.toPrecision(2)} |\n`,
      );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (e) {
  if (!(e instanceof AbError)) throw e;
  process.stderr.write(`bench:ab: ${e.message}\n`);
  process.exitCode = 1;
}
