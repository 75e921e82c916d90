// A caching allocator for float32 tensor storage, keyed by exact length (as PyTorch's caching
// allocator keeps freed blocks for reuse). On these machines the first touch of fresh memory
// costs about 10 µs per 4 KiB page, against ~27 GB/s for memory already in use, so a training
// step that reuses last step's buffers runs much faster than one that allocates new ones.
//
// Only buffers the pool handed out can come back, and only while nothing else may hold them:
// the backend calls `escape` when an array leaves its control (user code wrote a tensor from
// it, or a tensor's storage was moved), and such a buffer is never reused. Reads through
// dataSync/data get a copy instead (NativeBackend.readSync), so read outputs stay poolable.
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

/**
 * The capacity a request of n floats is served from: multiples of 64 up to 1024, then four
 * classes per octave (at most 25% unused, and the unused tail is never touched, so it costs
 * address space, not memory). Shapes that grow a little every step, like a KV cache, then
 * reuse the previous step's buffer instead of allocating a new one.
 */
export function sizeClass(n: number): number {
  if (n <= 1024) return Math.max(64, Math.ceil(n / 64) * 64);
  const step = 2 ** (Math.floor(Math.log2(n)) - 2);
  return Math.ceil(n / step) * step;
}

export class BufferPool {
  private readonly freeLists = new Map<number, ArrayBuffer[]>();
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
    const capacity = sizeClass(n);
    const cached = this.freeLists.get(capacity)?.pop();
    if (cached) {
      this.counters.reuses++;
      this.counters.cachedBytes -= cached.byteLength;
      return new Float32Array(cached, 0, n);
    }
    const fresh = this.addon.alloc(capacity);
    this.counters.freshAllocations++;
    this.counters.freshBytes += fresh.byteLength;
    this.owned.add(fresh.buffer as ArrayBuffer);
    return new Float32Array(fresh.buffer, 0, n);
  }

  /** Whether `values` came from this pool and may still be reused. */
  owns(values: unknown): values is Float32Array {
    return values instanceof Float32Array && this.owned.has(values.buffer as ArrayBuffer);
  }

  /** Never reuse this buffer: something outside the backend may keep a reference to it. */
  escape(values: unknown): void {
    if (values instanceof Float32Array) this.owned.delete(values.buffer as ArrayBuffer);
  }

  /** Returns the buffer of a disposed tensor to the cache (ignored unless the pool still owns it). */
  release(values: unknown): void {
    if (!this.owns(values) || values.byteOffset !== 0) return;
    const buffer = values.buffer as ArrayBuffer;
    // One view per buffer is ever handed out, so this buffer is free now.
    this.owned.delete(buffer);
    if (this.counters.cachedBytes + buffer.byteLength > this.limitBytes) {
      this.addon.free(values);
      this.counters.dropped++;
      return;
    }
    this.owned.add(buffer);
    const capacity = buffer.byteLength / 4;
    let list = this.freeLists.get(capacity);
    if (!list) {
      list = [];
      this.freeLists.set(capacity, list);
    }
    list.push(buffer);
    this.counters.cachedBytes += buffer.byteLength;
  }

  /** Frees every cached buffer. */
  clear(): void {
    for (const list of this.freeLists.values()) {
      for (const buffer of list) {
        this.owned.delete(buffer);
        this.addon.free(new Float32Array(buffer));
      }
    }
    this.freeLists.clear();
    this.counters.cachedBytes = 0;
  }

  stats(): PoolStats {
    return { ...this.counters };
  }
}
