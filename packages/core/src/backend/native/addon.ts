// Loads the compiled addon (packages/core/native/build/Release/mixdistill_native.node) and
// describes its functions. Every array argument is used in place; see native/src/addon.cc.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** `bf16`: how bf16 weights are multiplied (`vdpbf16ps` with AVX512-BF16, else `widen` to float32). */
  info(): { isa: string; threads: number; bf16: string };
  setThreads(n: number): void;
  /** Float32Array of n elements outside the JS heap (64-byte aligned, huge pages when large). */
  alloc(n: number): Float32Array;
  /** Frees an alloc'd array now and detaches it (later access throws); nothing may use it anymore. */
  free(values: Float32Array): void;
  /** `bf16`: multiply the operands rounded to bfloat16, accumulating in float32. */
  batchMatMul(
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    batch: number,
    m: number,
    n: number,
    k: number,
    transposeA: boolean,
    transposeB: boolean,
    aIndex: Int32Array,
    bIndex: Int32Array,
    bf16: boolean,
  ): void;
  binary(
    op: number,
    a: Float32Array,
    b: Float32Array,
    out: Float32Array,
    shape: Float64Array,
    aStrides: Float64Array,
    bStrides: Float64Array,
  ): void;
  unary(op: number, x: Float32Array, out: Float32Array, n: number, alpha: number): void;
  reduce(op: number, x: Float32Array, out: Float32Array, outer: number, len: number, inner: number): void;
  softmax(x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  /** out[r] = index of the largest value of row r of x [rows, cols] (first of equals; NaN never wins over a number). */
  argMaxRows(x: Float32Array, out: Int32Array, rows: number, cols: number): void;
  transpose(x: Float32Array, out: Float32Array, shape: Float64Array, perm: Int32Array): void;
  gather(
    params: Float32Array,
    indices: Int32Array,
    out: Float32Array,
    outer: number,
    axisLen: number,
    inner: number,
  ): void;
  segmentSum(
    data: Float32Array,
    segmentIds: Int32Array,
    out: Float32Array,
    rows: number,
    inner: number,
    segments: number,
  ): void;
  rmsNormForward(
    x: Float32Array,
    w: Float32Array,
    y: Float32Array,
    rstd: Float32Array,
    rows: number,
    h: number,
    eps: number,
  ): void;
  rmsNormBackward(
    dy: Float32Array,
    x: Float32Array,
    w: Float32Array,
    rstd: Float32Array,
    dx: Float32Array,
    dw: Float32Array,
    rows: number,
    h: number,
  ): void;
  /** cos/sin hold cosBatches (1 or b) batches; sign -1 rotates backwards (the gradient). */
  rope(
    x: Float32Array,
    cos: Float32Array,
    sin: Float32Array,
    out: Float32Array,
    b: number,
    heads: number,
    s: number,
    d: number,
    cosBatches: number,
    sign: number,
  ): void;
  swigluForward(gate: Float32Array, up: Float32Array, out: Float32Array, n: number): void;
  swigluBackward(
    dy: Float32Array,
    gate: Float32Array,
    up: Float32Array,
    dgate: Float32Array,
    dup: Float32Array,
    n: number,
  ): void;
  /** Returns the loss summed over rows whose label is not -100; throws on labels outside [0, vocab). */
  crossEntropyForward(logits: Float32Array, labels: Int32Array, lse: Float32Array, rows: number, vocab: number): number;
  crossEntropyBackward(
    logits: Float32Array,
    labels: Int32Array,
    lse: Float32Array,
    dloss: number,
    dlogits: Float32Array,
    rows: number,
    vocab: number,
  ): void;
  attentionForward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    segmentIds: Int32Array | null,
    out: Float32Array,
    lse: Float32Array,
    b: number,
    hq: number,
    hkv: number,
    s: number,
    t: number,
    d: number,
    scale: number,
    /** rows per (batch, kv head) in k/v and ids per row of segmentIds, of which the first t are keys (default t) */
    tStride?: number,
  ): void;
  attentionBackward(
    q: Float32Array,
    k: Float32Array,
    v: Float32Array,
    segmentIds: Int32Array | null,
    out: Float32Array,
    lse: Float32Array,
    dout: Float32Array,
    dq: Float32Array,
    dk: Float32Array,
    dv: Float32Array,
    b: number,
    hq: number,
    hkv: number,
    s: number,
    t: number,
    d: number,
    scale: number,
  ): void;
  adamw(
    param: Float32Array,
    paramOut: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    n: number,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
    gradScale: number,
  ): void;
  /** Σ x² over the first n values, accumulated in float64 */
  sumSquares(x: Float32Array, n: number): number;
  /** out [m, n] = x [m, k] · Wᵀ (+ bias [n] on every row), W [n, k] bf16 packed two per int32 (ops/bf16.ts) */
  matMulBf16(
    x: Float32Array,
    w: Int32Array,
    out: Float32Array,
    m: number,
    n: number,
    k: number,
    bias?: Float32Array,
  ): void;
  /** out [indices, h] = rows of the bf16 table [rows, h] (packed as in matMulBf16), widened */
  gatherBf16(table: Int32Array, indices: Int32Array, out: Float32Array, rows: number, h: number): void;
  /** one decoding step through consecutive pre-norm decoder layers (native/src/decoder_layer.h) */
  decoderLayers(step: DecoderStepCall, layers: DecoderLayerArrays[]): void;
}

/** The first argument of `decoderLayers`: sizes and the arrays every layer shares. */
export interface DecoderStepCall {
  batch: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  eps: number;
  scale: number;
  /** positions already cached; the new key/value are written at this position */
  past: number;
  /** positions per (sequence, kv head) in each layer's keyCache/valueCache */
  capacity: number;
  x: Float32Array; // [batch, hidden], the first layer's input
  y: Float32Array; // [batch, hidden], the last layer's output
  cos: Float32Array; // [batch, headDim / 2]
  sin: Float32Array;
  segmentIds: Int32Array | null; // [batch, capacity]
  /** float32 weights' products multiply bf16-rounded operands (the backend's bf16 precision) */
  bf16Products: boolean;
}

/** One layer's arrays in `decoderLayers` (weights float32, or bf16 packed two per int32). */
export interface DecoderLayerArrays {
  inputNorm: Float32Array;
  postAttentionNorm: Float32Array;
  q: Int32Array | Float32Array;
  k: Int32Array | Float32Array;
  v: Int32Array | Float32Array;
  o: Int32Array | Float32Array;
  gate: Int32Array | Float32Array;
  up: Int32Array | Float32Array;
  down: Int32Array | Float32Array;
  qBias: Float32Array | null;
  kBias: Float32Array | null;
  vBias: Float32Array | null;
  oBias: Float32Array | null;
  gateBias: Float32Array | null;
  upBias: Float32Array | null;
  downBias: Float32Array | null;
  keyCache: Float32Array; // [batch, kvHeads, capacity, headDim]
  valueCache: Float32Array;
}

/** Where `pnpm install` (native/build.mjs) puts the addon. */
export const ADDON_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../native/build/Release/mixdistill_native.node',
);

let cached: NativeAddon | undefined;

/** The addon, or an Error saying why it cannot be loaded. */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  if (!fs.existsSync(ADDON_PATH)) {
    throw new Error(
      `the native addon is not built (${path.relative(process.cwd(), ADDON_PATH)} is missing; \`pnpm install\` builds it with node-gyp and g++)`,
    );
  }
  const require = createRequire(import.meta.url);
  cached = require(ADDON_PATH) as NativeAddon;
  return cached;
}
