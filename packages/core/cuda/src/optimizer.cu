// The optimiser kernels of core/src/ops (MdAdamW, MdGlobalNormSq) with the contracts of the native
// backend's (native/src/kernels/fused.cc): AdamW updates param, m and v in place on the device (the
// moments never leave it), and Σ‖g‖² over every gradient ends as one float32 scalar that the trainer
// reads together with the loss, the one host sync of a step.
#include <cmath>
#include "common.cuh"

namespace mdc {

namespace {

// ---------------------------------------------------------------- AdamW
// param, grad, m, v [n]; torch.optim.AdamW's single-tensor arithmetic in float32, with the
// float64-derived constants the host computed (as the native kernel: 1 − β in float64, then rounded).
__global__ void adamw_kernel(float* param, const float* grad, float* m, float* v, int64_t n, float b1,
                             float one_minus_b1, float b2, float one_minus_b2, float decay, float step_size,
                             float inv_sqrt_bias2, float eps, float grad_scale) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float g = grad[i] * grad_scale;
    const float mi = b1 * m[i] + one_minus_b1 * g;
    const float vi = b2 * v[i] + one_minus_b2 * g * g;
    m[i] = mi;
    v[i] = vi;
    const float denom = sqrtf(vi) * inv_sqrt_bias2 + eps;
    param[i] = param[i] * decay - step_size * mi / denom;
  }
}

// ---------------------------------------------------------------- Σ x²
constexpr int kNormBlocks = 64;  // partial sums per tensor (a tensor below 64·256 elements uses fewer)

__device__ double block_sum_f64(double v) {
  __shared__ double part[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  if (lane == 0) part[warp] = v;
  __syncthreads();
  double total = 0;
  if (threadIdx.x == 0) {
    for (int w = 0; w < int(blockDim.x >> 5); ++w) total += part[w];  // warp order: deterministic
  }
  return total;  // valid in thread 0 only
}

// partial[blockIdx.x] = Σ x² over this block's grid-stride share of x [n], in float64.
__global__ void sum_squares_partial_kernel(const float* x, int64_t n, double* partial) {
  double acc = 0;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const double xi = x[i];
    acc += xi * xi;
  }
  const double total = block_sum_f64(acc);
  if (threadIdx.x == 0) partial[blockIdx.x] = total;
}

// out[0] = float(Σ partial[0..count)), summed in a fixed order (one block), so the norm and the
// clip coefficient do not depend on scheduling.
__global__ void sum_partials_kernel(const double* partial, int64_t count, float* out) {
  double acc = 0;
  for (int64_t i = threadIdx.x; i < count; i += blockDim.x) acc += partial[i];
  const double total = block_sum_f64(acc);
  if (threadIdx.x == 0) out[0] = static_cast<float>(total);
}

int64_t norm_blocks(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return blocks < 1 ? 1 : (blocks > kNormBlocks ? kNormBlocks : blocks);
}

}  // namespace

void adamw(float* param, const float* grad, float* m, float* v, int64_t n, float lr, double beta1, double beta2,
           float eps, float weight_decay, double step, float grad_scale) {
  if (n <= 0) return;
  const double bias1 = 1.0 - std::pow(beta1, step), bias2 = 1.0 - std::pow(beta2, step);
  adamw_kernel<<<grid_for(n), kThreads, 0, stream()>>>(
      param, grad, m, v, n, static_cast<float>(beta1), static_cast<float>(1.0 - beta1), static_cast<float>(beta2),
      static_cast<float>(1.0 - beta2), 1.0f - lr * weight_decay, static_cast<float>(lr / bias1),
      static_cast<float>(1.0 / std::sqrt(bias2)), eps, grad_scale);
}

int64_t sum_squares_scratch(const int64_t* sizes, int64_t count) {
  int64_t total = 0;
  for (int64_t i = 0; i < count; ++i) total += norm_blocks(sizes[i]);
  return total;
}

void sum_squares(const float* const* xs, const int64_t* sizes, int64_t count, double* scratch, float* out) {
  int64_t offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t blocks = norm_blocks(sizes[i]);
    sum_squares_partial_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream()>>>(xs[i], sizes[i],
                                                                                          scratch + offset);
    offset += blocks;
  }
  sum_partials_kernel<<<1, kThreads, 0, stream()>>>(scratch, offset, out);
}

}  // namespace mdc
