// float32 -> bfloat16 (round to nearest even), for the bf16 math mode: matmul operands are cast on
// the fly into scratch and multiplied by cuBLAS with float32 accumulation and a float32 result, so
// weights, activations, the loss and the norms stay float32 everywhere else.
#include <cuda_bf16.h>
#include "common.cuh"

namespace mdc {

namespace {

__global__ void to_bf16_kernel(const float* x, __nv_bfloat16* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    out[i] = __float2bfloat16_rn(x[i]);
  }
}

}  // namespace

void to_bf16(const float* x, void* out, int64_t n) {
  if (n > 0) to_bf16_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, static_cast<__nv_bfloat16*>(out), n);
}

}  // namespace mdc
