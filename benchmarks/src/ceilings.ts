// The machine's ceilings at the width of the kernel table a run uses (peers/machine_ceilings.c:
// float32 FMA rate, vdpbf16ps rate where the CPU has it, memory read rate, on the run's threads),
// and what they allow a model workload: prefill and training are bounded by the multiply-adds,
// decoding one sequence by reading every weight once a token. A throughput over its ceiling says
// how much is left on this machine at this moment; the machines are shared, so `pnpm bench`
// measures the ceilings before and after its workloads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '@mixdistill/models';
import { KERNEL_TABLE_FLAGS } from './table_flags';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../peers/machine_ceilings.c');

export interface Ceilings {
  /** the kernel table whose vector width the probe used */
  isa: string;
  threads: number;
  /** float32 multiply-adds, 2 flops each */
  fma_gflops: number;
  /** vdpbf16ps (two bf16 products a lane, 4 flops), where the native table uses it (avx512, AVX512-BF16, MIXDISTILL_ISA unset) */
  bf16_dot_gflops: number | null;
  /** reading a 1 GiB buffer once, all threads */
  read_gb_per_s: number;
}

/** Measures the ceilings for `table` on `threads` threads, or null (no gcc, unknown table, failure). */
export function measureCeilings(table: string | null, threads: number): Ceilings | null {
  const flags = table ? KERNEL_TABLE_FLAGS[table] : undefined;
  if (!flags) return null;
  const binary = path.join(os.tmpdir(), `mixdistill-ceilings-${table}-${process.pid}`);
  try {
    const cc = spawnSync('gcc', ['-O3', '-pthread', ...flags, SOURCE, '-o', binary], { encoding: 'utf8' });
    if (cc.status !== 0) {
      process.stderr.write(`machine ceilings skipped: gcc failed\n${cc.stderr ?? ''}\n`);
      return null;
    }
    const r = spawnSync(binary, [String(threads), '1024'], { encoding: 'utf8', timeout: 120_000 });
    if (r.status !== 0) {
      process.stderr.write(`machine ceilings failed\n${r.stderr ?? ''}\n`);
      return null;
    }
    const { isa, fma_gflops, bf16_dot_gflops, read_gb_per_s } = JSON.parse(r.stdout.trim()) as Ceilings;
    return { isa, threads, fma_gflops, bf16_dot_gflops, read_gb_per_s };
  } finally {
    fs.rmSync(binary, { force: true });
  }
}

/** Weights of one layer's seven matrix products (q, k, v, o, gate, up, down). */
function layerMatrixWeights(c: ModelConfig): number {
  const q = c.numAttentionHeads * c.headDim,
    kv = c.numKeyValueHeads * c.headDim;
  return c.hiddenSize * (2 * q + 2 * kv) + 3 * c.hiddenSize * c.intermediateSize;
}

/** Multiply-adds of attention for one query over `context` keys, all layers (scores and values). */
function attentionMacs(c: ModelConfig, context: number): number {
  return 2 * c.numHiddenLayers * c.numAttentionHeads * c.headDim * context;
}

/**
 * Bytes one decoding step of one sequence reads: every layer's weights and the lm_head at
 * `bytesPerWeight`, and the float32 KV cache at `context` positions.
 */
export function decodeBytesPerToken(c: ModelConfig, bytesPerWeight: number, context: number): number {
  const weights = c.numHiddenLayers * layerMatrixWeights(c) + c.vocabSize * c.hiddenSize;
  return bytesPerWeight * weights + 2 * 4 * c.numHiddenLayers * c.numKeyValueHeads * c.headDim * context;
}

/** Flops per prompt token of a prefill of `prompt` tokens (logits for the last position only). */
export function prefillFlopsPerToken(c: ModelConfig, prompt: number): number {
  const products = c.numHiddenLayers * layerMatrixWeights(c) + (c.vocabSize * c.hiddenSize) / prompt;
  return 2 * (products + attentionMacs(c, (prompt + 1) / 2));
}

/** Flops per token of a training step at sequence length `seq`: forward and backward (3 × forward). */
export function trainFlopsPerToken(c: ModelConfig, seq: number): number {
  const products = c.numHiddenLayers * layerMatrixWeights(c) + c.vocabSize * c.hiddenSize;
  return 6 * (products + attentionMacs(c, (seq + 1) / 2));
}
