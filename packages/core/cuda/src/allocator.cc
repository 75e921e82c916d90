#include "allocator.h"

#include <cuda_runtime.h>
#include <stdexcept>
#include <string>

#include "kernels.h"

namespace mdc {

size_t CachingAllocator::size_class(size_t bytes) {
  if (bytes <= 256) return 256;
  if (bytes <= (size_t(1) << 20)) {
    size_t c = 256;
    while (c < bytes) c <<= 1;
    return c;
  }
  size_t pow2 = size_t(1) << 20;
  while (pow2 * 2 <= bytes) pow2 <<= 1;
  const size_t step = pow2 / 8;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::alloc(size_t bytes) {
  const size_t c = size_class(bytes);
  void* p = nullptr;
  auto it = free_.find(c);
  if (it != free_.end() && !it->second.empty()) {
    p = it->second.back();
    it->second.pop_back();
    stats_.cached -= c;
  } else {
    cudaError_t err = cudaMalloc(&p, c);
    if (err == cudaErrorMemoryAllocation) {
      // Cached blocks of other sizes may add up to what is needed: give them back and retry once.
      cudaGetLastError();
      empty_cache();
      err = cudaMalloc(&p, c);
    }
    if (err != cudaSuccess) {
      cudaGetLastError();
      throw std::runtime_error("cudaMalloc of " + std::to_string(c) + " bytes failed (" + cudaGetErrorString(err) +
                               "); " + std::to_string(stats_.in_use) + " bytes in use");
    }
    stats_.mallocs++;
  }
  used_[p] = c;
  stats_.in_use += c;
  if (stats_.in_use > stats_.peak) stats_.peak = stats_.in_use;
  return p;
}

void CachingAllocator::release(void* p) {
  auto it = used_.find(p);
  if (it == used_.end()) throw std::runtime_error("free of a device pointer the allocator did not hand out");
  const size_t c = it->second;
  used_.erase(it);
  stats_.in_use -= c;
  stats_.cached += c;
  free_[c].push_back(p);
}

void CachingAllocator::empty_cache() {
  cudaStreamSynchronize(stream());
  for (auto& [size, blocks] : free_) {
    for (void* p : blocks) cudaFree(p);
    blocks.clear();
  }
  stats_.cached = 0;
}

}  // namespace mdc
