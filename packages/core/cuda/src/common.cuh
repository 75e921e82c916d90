// Shared by the .cu files: grid sizing and warp/block reductions.
#pragma once

#include <cstdint>
#include "kernels.h"

namespace mdc {

constexpr int kThreads = 256;

/** Blocks for a grid-stride loop over n elements (capped: the loop covers the rest). */
inline unsigned grid_for(int64_t n) {
  int64_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks < 1) blocks = 1;
  return static_cast<unsigned>(blocks > 65535 * 8 ? 65535 * 8 : blocks);
}

__device__ inline float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ inline float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

/** Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result. */
__device__ inline float block_sum(float v) {
  __shared__ float part[32];
  __shared__ float total;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_sum(v);
  if (lane == 0) part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float w = lane < (blockDim.x >> 5) ? part[lane] : 0.f;
    w = warp_sum(w);
    if (lane == 0) total = w;
  }
  __syncthreads();
  const float r = total;
  __syncthreads();  // part/total may be reused by the caller's next block_sum
  return r;
}

__device__ inline float block_max(float v) {
  __shared__ float part[32];
  __shared__ float total;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warp_max(v);
  if (lane == 0) part[warp] = v;
  __syncthreads();
  if (warp == 0) {
    float w = lane < (blockDim.x >> 5) ? part[lane] : -INFINITY;
    w = warp_max(w);
    if (lane == 0) total = w;
  }
  __syncthreads();
  const float r = total;
  __syncthreads();
  return r;
}

/** Records the first device-detected error; later ones are dropped (the first is what a user fixes). */
__device__ inline void raise_error(int* flag, int code, int value, int limit) {
  if (atomicCAS(flag, 0, code) == 0) {
    flag[1] = value;
    flag[2] = limit;
  }
}

}  // namespace mdc
