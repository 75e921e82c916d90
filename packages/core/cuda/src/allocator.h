// A caching device allocator: freed blocks go to a free list per size class and are handed out
// again without cudaMalloc/cudaFree (each of which synchronises the device and costs far more
// than a small kernel). All work runs on one stream, so a block freed on the host while a queued
// kernel still reads it can be given to the next launch at once: stream order runs that launch
// after the reader. Never managed memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace mdc {

struct AllocatorStats {
  size_t in_use = 0;   // bytes of live blocks (size classes, not requested sizes)
  size_t cached = 0;   // bytes of free blocks kept for reuse
  size_t peak = 0;     // most bytes in use at once
  int64_t mallocs = 0; // cudaMalloc calls so far
};

class CachingAllocator {
 public:
  /** A block of at least `bytes`; throws std::runtime_error when the device is out of memory. */
  void* alloc(size_t bytes);
  /** Returns a block from alloc to the cache (unknown pointers throw). */
  void release(void* p);
  /** Gives every cached block back to the driver (after the stream drains). */
  void empty_cache();
  AllocatorStats stats() const { return stats_; }
  /** Starts a new peak from the bytes in use now (to measure one workload's peak). */
  void reset_peak() { stats_.peak = stats_.in_use; }
  /** Rounds up: 256 B minimum, powers of two up to 1 MiB, then steps of 1/8 of the power of two below. */
  static size_t size_class(size_t bytes);

 private:
  std::unordered_map<size_t, std::vector<void*>> free_;
  std::unordered_map<void*, size_t> used_;
  AllocatorStats stats_;
};

}  // namespace mdc
