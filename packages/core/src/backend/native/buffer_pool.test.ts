// The caching allocator: size classes, reuse, the cache limit, and never reusing escaped arrays.
import { describe, expect, it } from 'vitest';
import { loadAddon } from './addon';
import { BufferPool, sizeClass } from './buffer_pool';
import { ADDON_BUILT, SKIP_REASON } from './test_helpers';

describe('sizeClass', () => {
  it('covers the request with at most 25% (or 64 floats) to spare, and is stable within a class', () => {
    for (const n of [0, 1, 63, 64, 65, 1000, 1025, 4097, 100_000, 77_791_232]) {
      const c = sizeClass(n);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c - n).toBeLessThanOrEqual(Math.max(64, n / 4));
      expect(sizeClass(c)).toBe(c);
    }
  });
});

describe.skipIf(!ADDON_BUILT)(`BufferPool${SKIP_REASON}`, () => {
  it('reuses a released buffer for a slightly larger request, and never one that escaped', () => {
    const pool = new BufferPool(loadAddon(), 2 ** 30);
    const a = pool.take(128 * 41); // a KV cache at 41 positions
    pool.release(a);
    const b = pool.take(128 * 42); // one position later: same class, same memory
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(128 * 42);
    pool.escape(b);
    pool.release(b);
    expect(pool.take(128 * 42).buffer).not.toBe(b.buffer);
    expect(pool.stats()).toMatchObject({ freshAllocations: 2, reuses: 1 });
  });

  it('frees (detaches) buffers beyond the cache limit', () => {
    const pool = new BufferPool(loadAddon(), 1024);
    const big = pool.take(4096);
    pool.release(big);
    expect(big.buffer.byteLength).toBe(0); // detached: freed now, not left to the GC
    expect(pool.stats()).toMatchObject({ dropped: 1, cachedBytes: 0 });
  });
});
