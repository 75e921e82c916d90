// The `native` backend: tfjs' cpu backend (same storage: one typed array per tensor) with its
// hot kernels replaced by the C++ addon and tensor storage recycled through a buffer pool.
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { tf } from '../../tf';
import type { NativeAddon } from './addon';
import { BufferPool } from './buffer_pool';

type DataId = object;
type BackendValues = Parameters<MathBackendCPU['write']>[0];

/** Extra buffers a fused kernel keeps with its output for the backward pass (freed with it). */
export interface SideData {
  /** one value per row: log-sum-exp (attention, cross-entropy) or 1/rms (RMSNorm) */
  rowStats: Float32Array;
  /** attention segment ids copied from the forward inputs, when given */
  segmentIds?: Int32Array;
}

/** Default cache size: a quarter of the machine's memory, at most 8 GiB (MIXDISTILL_POOL_MB overrides). */
function poolLimitBytes(totalMem: number): number {
  const env = Number(process.env.MIXDISTILL_POOL_MB);
  if (Number.isFinite(env) && env >= 0 && process.env.MIXDISTILL_POOL_MB !== '') return env * 2 ** 20;
  return Math.min(8 * 2 ** 30, totalMem / 4);
}

/**
 * int32 storage of at least this many bytes (bf16 weights, ops/bf16.ts) is copied into addon memory,
 * like float32 kernel outputs: 64-byte aligned, and on huge pages from 2 MiB (addon.cc Alloc).
 * Decoding streams it once per token. On 4 KiB pages the hardware prefetchers stop at every page
 * (the Qwen2.5-0.5B lm_head product took ~1.7× longer), and the JS heap aligns an array to 16 bytes
 * only, so vector loads straddled cache lines: with the q/k/v/o weights (0.2–1.6 MB) left there,
 * a batch-16 AVX2 decoding step took 166 ms against 152 (two alternated rounds, `.tmp` profiler).
 */
const ADDON_INT32_BYTES = 2 ** 16;

export class NativeBackend extends MathBackendCPU {
  readonly pool: BufferPool;
  /** Nesting depth of kernel execution: reads inside a kernel do not hand arrays to user code. */
  private kernelDepth = 0;
  private readonly side = new Map<DataId, SideData>();
  /** Buffers of int32 storage copied into addon memory that no user code has seen (freed with their tensor). */
  private readonly addonInt32 = new WeakSet<ArrayBufferLike>();

  /**
   * @param precision of matrix products: fp32, or bf16 (operands rounded to bfloat16, float32
   *   accumulation; `setNativePrecision` changes it)
   */
  constructor(
    readonly addon: NativeAddon,
    totalMem: number,
    public precision: 'fp32' | 'bf16',
  ) {
    super();
    this.pool = new BufferPool(addon, poolLimitBytes(totalMem));
    // The cpu backend prints "install tfjs-node" on its first write; this backend is the answer to that.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }

  /** Runs a kernel body; array reads inside it stay inside the backend. */
  inKernel<T>(fn: () => T): T {
    this.kernelDepth++;
    try {
      return fn();
    } finally {
      this.kernelDepth--;
    }
  }

  /** The float32 storage of a tensor (no copy once it is a Float32Array). */
  f32(t: tf.TensorInfo): Float32Array {
    return this.typed(t, Float32Array);
  }

  /** The int32 storage of a tensor (no copy once it is an Int32Array). */
  i32(t: tf.TensorInfo): Int32Array {
    return this.typed(t, Int32Array);
  }

  // Some cpu kernels store results in another array type than their dtype's (e.g. a plain
  // array); such storage is converted once and kept converted.
  private typed<T extends Float32Array | Int32Array>(
    t: tf.TensorInfo,
    type: { from(v: ArrayLike<number>): T; new (n: number): T },
  ): T {
    const entry = this.data.get(t.dataId);
    if (!(entry.values instanceof type)) entry.values = type.from(entry.values as ArrayLike<number>);
    return entry.values as T;
  }

  /** A float32 output tensor with pooled storage, for a native kernel to fill. */
  output(shape: number[]): { info: tf.TensorInfo; values: Float32Array } {
    const values = this.pool.take(tf.util.sizeFromShape(shape));
    const dataId = super.write(values, shape, 'float32') as DataId;
    return { info: { dataId, shape, dtype: 'float32' }, values };
  }

  /** Tensor storage for a pooled array the caller filled (it stays poolable). */
  adopt(values: Float32Array, shape: number[]): tf.TensorInfo {
    const dataId = super.write(values, shape, 'float32') as DataId;
    return { dataId, shape, dtype: 'float32' };
  }

  setSide(t: tf.TensorInfo, data: SideData): void {
    this.side.set(t.dataId, data);
  }

  getSide(t: tf.TensorInfo): SideData | undefined {
    return this.side.get(t.dataId);
  }

  /** A tensor created from outside arrays: if it wraps a pooled buffer, that buffer is shared now. */
  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    this.pool.escape(values);
    return super.write(this.placed(values, dtype), shape, dtype) as DataId;
  }

  /** Large int32 storage moved into addon memory (see ADDON_INT32_BYTES); everything else as given. */
  private placed(values: BackendValues, dtype: tf.DataType): BackendValues {
    if (dtype !== 'int32' || !(values instanceof Int32Array) || values.byteLength < ADDON_INT32_BYTES) return values;
    const copy = new Int32Array(this.addon.alloc(values.length).buffer, 0, values.length);
    copy.set(values);
    this.addonInt32.add(copy.buffer);
    return copy;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    this.pool.escape(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  /**
   * dataSync()/data()/arraySync() of storage the backend may reuse (pooled float32, int32 in addon
   * memory) return a copy on the JS heap, so the storage stays the backend's. Handing out the
   * storage itself would leave it to the garbage collector, whose finalizers for addon memory wait
   * for the event loop: a decoding loop that reads [1, 151936] logits each token and never yields
   * grew RSS by ~0.6 MB a token until it ended. The copy is a fresh array whose pages are touched
   * for the first time (2.5 ms for 0.6 MB here), so a loop that reads every step should use
   * readInto (ops/read_into.ts), which copies into an array the caller keeps.
   */
  override readSync(dataId: DataId): BackendValues {
    const values = super.readSync(dataId);
    if (this.kernelDepth > 0) return values;
    const stored = this.data.get(dataId).values;
    const reused = this.pool.owns(stored) || (stored instanceof Int32Array && this.addonInt32.has(stored.buffer));
    return reused && values === stored ? stored.slice() : values;
  }

  /** Copies a float32 tensor's values into `out` (its size), with no allocation (ops/read_into.ts). */
  readInto(t: tf.TensorInfo, out: Float32Array): void {
    out.set(this.f32(t));
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const entry = this.data.has(dataId) ? this.data.get(dataId) : undefined;
    const released = super.disposeData(dataId, force);
    if (entry && released && !this.data.has(dataId)) {
      this.pool.release(entry.values);
      if (entry.values instanceof Int32Array && this.addonInt32.has(entry.values.buffer)) {
        this.addonInt32.delete(entry.values.buffer);
        this.addon.free(new Float32Array(entry.values.buffer));
      }
      const side = this.side.get(dataId);
      if (side) {
        this.side.delete(dataId);
        this.pool.release(side.rowStats);
      }
    }
    return released;
  }
}
