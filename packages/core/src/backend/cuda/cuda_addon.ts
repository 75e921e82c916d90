// Loads the CUDA addon (packages/core/cuda/build/mixdistill_cuda.node, built by cuda/build.mjs at
// `pnpm install` when nvcc is found) and describes its functions. Device pointers are plain
// numbers; every launch is queued on the addon's one stream and returns at once.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Element types of device kernels (bool tensors are stored as int32). */
export const DTYPE = { float32: 0, int32: 1 } as const;
/** Device error codes (cuda/src/kernels.h DeviceError). */
export const DEVICE_ERRORS = { gatherIndex: 1, label: 2 } as const;

/** What `probe` found; never throws, creates no CUDA context. */
export interface CudaProbe {
  ok: boolean;
  /** Why cuda cannot be used ('' when ok). */
  reason: string;
  device?: string;
  /** compute capability, e.g. "9.0" */
  cc?: string;
  totalBytes?: number;
  multiprocessors?: number;
  driverVersion?: number;
  runtimeVersion?: number;
  /** the libcublas file that would be used */
  cublas?: string;
  /** why cuBLAS was not found (reported even when there is no device) */
  cublasReason?: string;
}

export interface CudaInit {
  device: string;
  cc: string;
  totalBytes: number;
  cublas: string;
  cublasVersion: number;
}

/** Device pointer (an address below 2^53); a kernel may pass one that points inside an allocation (base + bytes). */
export type Ptr = number;

export interface CudaAddon {
  probe(cublasDirs: string[]): CudaProbe;
  init(cublasDirs: string[]): CudaInit;
  /** cuBLAS compute type of float32 products: exact fp32 (default), TF32, or bf16 operands with fp32 accumulation. */
  setMathMode(mode: 'fp32' | 'tf32' | 'bf16'): void;
  malloc(bytes: number): Ptr;
  free(ptr: Ptr): void;
  emptyCache(): void;
  memoryStats(): {
    inUse: number;
    cached: number;
    peak: number;
    mallocs: number;
    deviceFree?: number;
    deviceTotal?: number;
  };
  /** Starts memoryStats' peak anew from the bytes in use now. */
  resetPeak(): void;
  upload(dst: Ptr, values: Float32Array | Int32Array): void;
  /** Blocking: waits for every queued launch, then copies. */
  download(src: Ptr, out: Float32Array | Int32Array): void;
  copy(dst: Ptr, src: Ptr, bytes: number): void;
  memset0(ptr: Ptr, bytes: number): void;
  /** Waits for the stream; returns and clears the device error flag [code, value, limit]. */
  sync(): [number, number, number];
  eventRecord(): number;
  eventDone(event: number): boolean;
  eventElapsed(start: number, end: number): number;
  eventDestroy(event: number): void;
  binary(
    op: number,
    dtype: number,
    a: Ptr,
    b: Ptr,
    out: Ptr,
    shape: number[],
    aStrides: number[],
    bStrides: number[],
  ): void;
  unary(op: number, x: Ptr, out: Ptr, n: number): void;
  cast(x: Ptr, out: Ptr, n: number, from: number, to: number, toBool: boolean): void;
  range(out: Ptr, n: number, start: number, delta: number, dtype: number): void;
  fill(out: Ptr, n: number, value: number, dtype: number): void;
  stridedCopy(
    src: Ptr,
    dst: Ptr,
    iter: number[],
    srcStrides: number[],
    srcMod: number[],
    dstStrides: number[],
    srcOffset: number,
    dstOffset: number,
  ): void;
  reduce(op: number, dtype: number, x: Ptr, out: Ptr, outer: number, len: number, inner: number): void;
  /** out int32 [rows] = argmax of each row of x float32 [rows, cols] (lowest index among equals, NaN never wins). */
  argMaxRows(x: Ptr, out: Ptr, rows: number, cols: number): void;
  gather(x: Ptr, indices: Ptr, out: Ptr, outer: number, axisLen: number, inner: number, nIdx: number): void;
  segmentSum(x: Ptr, ids: Ptr, out: Ptr, rows: number, inner: number, segments: number): void;
  gemm(
    a: Ptr,
    b: Ptr,
    c: Ptr,
    batch: number,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    strideA: number,
    strideB: number,
    strideC: number,
    /** C = op(A)·op(B) + beta·C; 0 (only writes C) when absent */
    beta?: number,
  ): void;
  gemmIndexed(
    a: Ptr,
    b: Ptr,
    c: Ptr,
    m: number,
    n: number,
    k: number,
    transA: boolean,
    transB: boolean,
    aIndex: Int32Array,
    bIndex: Int32Array,
  ): void;
  rmsNormForward(x: Ptr, w: Ptr, y: Ptr, rstd: Ptr, rows: number, h: number, eps: number): void;
  rmsNormBackward(dy: Ptr, x: Ptr, w: Ptr, rstd: Ptr, dx: Ptr, dw: Ptr, rows: number, h: number): void;
  rope(
    x: Ptr,
    cos: Ptr,
    sin: Ptr,
    out: Ptr,
    b: number,
    heads: number,
    s: number,
    d: number,
    cosBatches: number,
    sign: number,
  ): void;
  swigluForward(gate: Ptr, up: Ptr, out: Ptr, n: number): void;
  swigluBackward(dy: Ptr, gate: Ptr, up: Ptr, dgate: Ptr, dup: Ptr, n: number): void;
  crossEntropyForward(logits: Ptr, labels: Ptr, lse: Ptr, rowLoss: Ptr, loss: Ptr, rows: number, vocab: number): void;
  /** dy: a device scalar */
  crossEntropyBackward(logits: Ptr, labels: Ptr, lse: Ptr, dy: Ptr, dlogits: Ptr, rows: number, vocab: number): void;
  /** seg: 0 when absent */
  attentionForward(
    q: Ptr,
    k: Ptr,
    v: Ptr,
    seg: Ptr,
    out: Ptr,
    lse: Ptr,
    b: number,
    hq: number,
    hkv: number,
    s: number,
    t: number,
    d: number,
    scale: number,
  ): void;
  attentionBackward(
    q: Ptr,
    k: Ptr,
    v: Ptr,
    seg: Ptr,
    out: Ptr,
    lse: Ptr,
    dout: Ptr,
    dq: Ptr,
    dk: Ptr,
    dv: Ptr,
    delta: Ptr,
    b: number,
    hq: number,
    hkv: number,
    s: number,
    t: number,
    d: number,
    scale: number,
  ): void;
  /** torch.optim.AdamW on one parameter [n], in place on param, m and v; `step` is 1-based (after this update). */
  adamw(
    param: Ptr,
    grad: Ptr,
    m: Ptr,
    v: Ptr,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
    gradScale: number,
  ): void;
  /** out (a device float32 scalar) = Σ x² over every tensor ptrs[i] [sizes[i]], accumulated in float64. */
  sumSquares(ptrs: Ptr[], sizes: number[], out: Ptr): void;
}

/**
 * Where `pnpm install` (cuda/build.mjs) puts the addon. MIXDISTILL_CUDA_ADDON overrides it: a
 * bundled copy of this code (benchmarks/gpu) no longer sits at this path.
 */
export function cudaAddonPath(): string {
  const env = process.env.MIXDISTILL_CUDA_ADDON;
  if (env) return path.resolve(env);
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../cuda/build/mixdistill_cuda.node');
}

let cached: CudaAddon | undefined;

/** The addon, or an Error saying why it cannot be loaded. */
export function loadCudaAddon(): CudaAddon {
  if (cached) return cached;
  const file = cudaAddonPath();
  if (!fs.existsSync(file)) {
    throw new Error(
      `the cuda addon is not built (${file} is missing; \`pnpm install\` builds it when nvcc is on PATH)`,
    );
  }
  cached = createRequire(import.meta.url)(file) as CudaAddon;
  return cached;
}
