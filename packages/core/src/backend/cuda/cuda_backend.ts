// The `cuda` backend: tensors live in device memory (float32, int32, and bool stored as int32),
// every kernel is queued on one stream, and host reads synchronise. Storage comes from the addon's
// caching allocator. Zero-copy kernels (Reshape, Identity, ExpandDims, same-dtype Cast) share a
// dataId with a reference count, so tape clones (Identity) keep finding the statistics the fused
// forward kernels saved next to their outputs (SideData, looked up by dataId).
import { MixdistillError } from '../../errors';
import { tf } from '../../tf';
import { DEVICE_ERRORS, DTYPE, type CudaAddon, type CudaInit, type Ptr } from './cuda_addon';
import { CpuFallback } from './fallback';

type DataId = object;
type BackendValues = Float32Array | Int32Array | Uint8Array | Uint8Array[];

/** Buffers a fused kernel keeps with its output for the backward pass (freed with it). */
export interface SideData {
  /** one float per row: log-sum-exp (attention, cross-entropy) or 1/rms (RMSNorm) */
  rowStats: Ptr;
  /** a copy of the attention segment ids [b, t], when given */
  segmentIds?: Ptr;
}

interface Entry {
  /** 0 for empty tensors */
  ptr: Ptr;
  dtype: tf.DataType;
  /** elements */
  size: number;
  refCount: number;
  side?: SideData;
}

/** The device dtypes a tfjs dtype is stored as (bool as int32). */
export function storageDtype(dtype: tf.DataType): number {
  if (dtype === 'float32') return DTYPE.float32;
  if (dtype === 'int32' || dtype === 'bool') return DTYPE.int32;
  throw new MixdistillError(`cuda backend: ${dtype} tensors are not supported (float32, int32 and bool are)`);
}

export class CudaBackend extends tf.KernelBackend {
  private readonly data = new WeakMap<DataId, Entry>();
  private live = 0;
  /** Runs the kernels this backend lacks on the cpu, counted per kernel name. */
  readonly fallback = new CpuFallback();

  constructor(
    readonly addon: CudaAddon,
    readonly device: CudaInit,
  ) {
    super();
  }

  // ------------------------------------------------------------ storage

  /** Device memory for `size` 4-byte elements (0 for empty tensors). */
  alloc(size: number): Ptr {
    return size === 0 ? 0 : this.addon.malloc(size * 4);
  }

  release(ptr: Ptr): void {
    if (ptr !== 0) this.addon.free(ptr);
  }

  private entry(dataId: DataId): Entry {
    const e = this.data.get(dataId);
    if (!e) throw new Error('cuda backend: tensor data was already disposed');
    return e;
  }

  /** Device address of a tensor's storage. */
  ptr(t: tf.TensorInfo): Ptr {
    return this.entry(t.dataId).ptr;
  }

  /** A new uninitialised output tensor (refCount 1) and its address. */
  output(shape: number[], dtype: tf.DataType): { info: tf.TensorInfo; ptr: Ptr } {
    storageDtype(dtype);
    const size = tf.util.sizeFromShape(shape);
    const dataId = {};
    const ptr = this.alloc(size);
    this.data.set(dataId, { ptr, dtype, size, refCount: 1 });
    this.live++;
    return { info: { dataId, shape, dtype }, ptr };
  }

  /** Another view of x's storage (zero copy): same dataId, one more reference. */
  alias(x: tf.TensorInfo, shape: number[], dtype: tf.DataType = x.dtype): tf.TensorInfo {
    this.incRef(x.dataId);
    return { dataId: x.dataId, shape, dtype };
  }

  setSide(t: tf.TensorInfo, side: SideData): void {
    this.entry(t.dataId).side = side;
  }

  getSide(t: tf.TensorInfo): SideData | undefined {
    return this.data.get(t.dataId)?.side;
  }

  /** Fallback runs per tfjs kernel name since start-up (benchmarks and tests print and check these). */
  fallbackCounts(): Record<string, number> {
    return this.fallback.snapshot();
  }

  // ------------------------------------------------------------ KernelBackend

  override refCount(dataId: DataId): number {
    return this.data.get(dataId)?.refCount ?? 0;
  }

  override incRef(dataId: DataId): void {
    this.entry(dataId).refCount++;
  }

  decRef(dataId: DataId): void {
    const e = this.data.get(dataId);
    if (e) e.refCount--;
  }

  override numDataIds(): number {
    return this.live;
  }

  override write(values: BackendValues, shape: number[], dtype: tf.DataType): DataId {
    const dataId = {};
    this.move(dataId, values, shape, dtype, 1);
    return dataId;
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: tf.DataType, refCount: number): void {
    const kind = storageDtype(dtype);
    const size = tf.util.sizeFromShape(shape);
    const ptr = this.alloc(size);
    if (values != null && size > 0) this.addon.upload(ptr, toStorage(values as ArrayLike<number>, kind));
    this.data.set(dataId, { ptr, dtype, size, refCount });
    this.live++;
  }

  override disposeData(dataId: DataId, force = false): boolean {
    const e = this.data.get(dataId);
    if (!e) return true;
    e.refCount--;
    if (!force && e.refCount > 0) return false;
    this.data.delete(dataId);
    this.live--;
    this.release(e.ptr);
    if (e.side) {
      this.release(e.side.rowStats);
      if (e.side.segmentIds) this.release(e.side.segmentIds);
    }
    return true;
  }

  /** Blocks until the stream is idle; a device-detected error becomes a MixdistillError here. */
  synchronize(): void {
    const [code, value, limit] = this.addon.sync();
    if (code === DEVICE_ERRORS.gatherIndex) {
      throw new MixdistillError(
        `cuda backend: a gather index is ${value}, outside [0, ${limit}) (e.g. a token id beyond the vocabulary)`,
      );
    }
    if (code === DEVICE_ERRORS.label) {
      throw new MixdistillError(
        `cuda backend: a cross-entropy label is ${value}, outside [0, ${limit}) and not -100 (a token id beyond the vocabulary)`,
      );
    }
    if (code !== 0)
      throw new MixdistillError(`cuda backend: device error code ${code} (value ${value}, limit ${limit})`);
  }

  /** A host copy of the tensor (dataSync()/arraySync() on a device backend always copy). */
  override readSync(dataId: DataId): BackendValues {
    const e = this.entry(dataId);
    this.synchronize();
    const kind = storageDtype(e.dtype);
    const host = kind === DTYPE.float32 ? new Float32Array(e.size) : new Int32Array(e.size);
    if (e.size > 0) this.addon.download(e.ptr, host);
    return e.dtype === 'bool' ? Uint8Array.from(host) : host;
  }

  /** Waits for the queued work without blocking the event loop, then copies. */
  override async read(dataId: DataId): Promise<BackendValues> {
    this.entry(dataId);
    const event = this.addon.eventRecord();
    try {
      await this.until(event);
    } finally {
      this.addon.eventDestroy(event);
    }
    return this.readSync(dataId);
  }

  /**
   * Resolves once the device has passed `event`, leaving the event loop free meanwhile: polls on
   * every turn at first (a decode step's logits are ready within microseconds), then every
   * millisecond, so a long wait does not keep a core busy.
   */
  private async until(event: number): Promise<void> {
    for (let polls = 0; !this.addon.eventDone(event); polls++) {
      await new Promise((resolve) => (polls < 100 ? setImmediate(resolve) : setTimeout(resolve, 1)));
    }
  }

  override memory(): { unreliable: boolean; reasons?: string[] } {
    const m = this.addon.memoryStats();
    return {
      unreliable: false,
      numBytesInGPU: m.inUse,
      numBytesInGPUAllocated: m.inUse + m.cached,
      numBytesInGPUFree: m.deviceFree,
      peakBytesInGPU: m.peak,
      cudaMallocs: m.mallocs,
    } as { unreliable: boolean };
  }

  /** Starts memory()'s peakBytesInGPU anew from the bytes in use now (one workload's peak). */
  resetPeakMemory(): void {
    this.addon.resetPeak();
  }

  override timerAvailable(): boolean {
    return true;
  }

  /** Device time of what f queues, measured with CUDA events around it. */
  override async time(f: () => void): Promise<tf.BackendTimingInfo> {
    const start = this.addon.eventRecord();
    const wallStart = performance.now();
    f();
    const end = this.addon.eventRecord();
    try {
      await this.until(end);
      return {
        kernelMs: this.addon.eventElapsed(start, end),
        wallMs: performance.now() - wallStart,
      } as tf.BackendTimingInfo;
    } finally {
      this.addon.eventDestroy(start);
      this.addon.eventDestroy(end);
    }
  }

  override floatPrecision(): 32 {
    return 32;
  }

  override epsilon(): number {
    return 1e-7;
  }

  override dispose(): void {
    // Entries are in a WeakMap; the engine disposes every tensor before it disposes a backend,
    // and the allocator's cache goes back to the driver here.
    this.addon.emptyCache();
  }
}

/** Host values in the array type the device stores them as. */
function toStorage(values: ArrayLike<number>, kind: number): Float32Array | Int32Array {
  if (kind === DTYPE.float32) return values instanceof Float32Array ? values : Float32Array.from(values);
  return values instanceof Int32Array ? values : Int32Array.from(values);
}
