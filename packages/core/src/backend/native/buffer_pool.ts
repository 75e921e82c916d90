// A caching allocator for float32 tensor storage, keyed by exact length (as PyTorch's caching
// allocator keeps freed blocks for reuse). On these machines the first touch of fresh memory
// costs about 10 µs per 4 KiB page, against ~27 GB/s for memory already in use, so a training
// step that reuses last step's buffers runs much faster than one that allocates new ones.
//
// Only buffers the pool handed out can come back, and only while nothing else may hold them:
// the backend calls `escape` when an array leaves its control (read by user code through
// dataSync/data, or wrapped by another tensor), and such a buffer is never reused.
import type { NativeAddon } from './addon';

/** Counters for the benchmark's allocation report. */
export interface PoolStats {
  /** buffers allocated fresh from the OS (each page pays the first-touch cost once) */
  freshAllocations: number;
  freshBytes: number;
  /** buffers served from the cache */
  reuses: number;
  /** bytes currently cached (free, ready for reuse) */
  cachedBytes: number;
  /** buffers freed because the cache was full */
  dropped: number;
}

export class BufferPool {
  private readonly freeLists = new Map<number, Float32Array[]>();
  private readonly owned = new WeakSet<ArrayBuffer>();
  private readonly counters: PoolStats = { freshAllocations: 0, freshBytes: 0, reuses: 0, cachedBytes: 0, dropped: 0 };

  /**
   * @param addon allocates aligned, huge-page-backed storage outside the JS heap
   * @param limitBytes most bytes kept cached; buffers beyond it are freed at once (not left to
   *   the garbage collector, which does not see external memory pressure soon enough)
   */
  constructor(
    private readonly addon: NativeAddon,
    private readonly limitBytes: number,
  ) {}

  /** A Float32Array of exactly n elements; its contents are undefined (the caller overwrites them). */
  take(n: number): Float32Array {
    const list = this.freeLists.get(n);
    const cachedArray = list?.pop();
    if (cachedArray) {
      this.counters.reuses++;
      this.counters.cachedBytes -= cachedArray.byteLength;
      return cachedArray;
    }
    const fresh = this.addon.alloc(n);
    this.counters.freshAllocations++;
    this.counters.freshBytes += fresh.byteLength;
    this.owned.add(fresh.buffer as ArrayBuffer);
    return fresh;
  }

  /** Whether `values` came from this pool and may still be reused. */
  owns(values: unknown): values is Float32Array {
    return values instanceof Float32Array && this.owned.has(values.buffer as ArrayBuffer);
  }

  /** Never reuse this buffer: something outside the backend may keep a reference to it. */
  escape(values: unknown): void {
    if (values instanceof Float32Array) this.owned.delete(values.buffer as ArrayBuffer);
  }

  /** Returns a buffer of a disposed tensor to the cache (ignored unless the pool still owns it). */
  release(values: unknown): void {
    if (!this.owns(values) || values.byteOffset !== 0 || values.length * 4 !== values.buffer.byteLength) return;
    if (this.counters.cachedBytes + values.byteLength > this.limitBytes) {
      this.owned.delete(values.buffer as ArrayBuffer);
      this.addon.free(values);
      this.counters.dropped++;
      return;
    }
    let list = this.freeLists.get(values.length);
    if (!list) this.freeLists.set(values.length, (list = []));
    list.push(values);
    this.counters.cachedBytes += values.byteLength;
  }

  /** Frees every cached buffer. */
  clear(): void {
    for (const list of this.freeLists.values()) {
      for (const a of list) {
        this.owned.delete(a.buffer as ArrayBuffer);
        this.addon.free(a);
      }
    }
    this.freeLists.clear();
    this.counters.cachedBytes = 0;
  }

  stats(): PoolStats {
    return { ...this.counters };
  }
}
