// The fused transformer kernels of core/src/ops (RMSNorm, RoPE, SwiGLU, cross-entropy) with their
// backward passes. Same contracts as the native backend's kernels (native/src/kernels/fused.cc):
// RMSNorm keeps 1/rms per row, cross-entropy one log-sum-exp per row, for the backward pass.
#include <cmath>
#include "common.cuh"

namespace mdc {

namespace {

// ---------------------------------------------------------------- RMSNorm
// x [rows, h], w [h] -> y [rows, h], rstd [rows]; one block per row.
__global__ void rms_norm_forward_kernel(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t h,
                                        float eps) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * h;
    float ss = 0.f;
    for (int64_t j = threadIdx.x; j < h; j += blockDim.x) ss += xr[j] * xr[j];
    ss = block_sum(ss);
    const float inv = rsqrtf(ss / static_cast<float>(h) + eps);
    for (int64_t j = threadIdx.x; j < h; j += blockDim.x) y[r * h + j] = xr[j] * inv * w[j];
    if (threadIdx.x == 0) rstd[r] = inv;
  }
}

// dx = rstd·(dy∘w) − x·rstd³·mean(dy∘w∘x)
__global__ void rms_norm_dx_kernel(const float* dy, const float* x, const float* w, const float* rstd, float* dx,
                                   int64_t rows, int64_t h) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = x + r * h;
    const float* dyr = dy + r * h;
    float dot = 0.f;
    for (int64_t j = threadIdx.x; j < h; j += blockDim.x) dot += dyr[j] * w[j] * xr[j];
    dot = block_sum(dot);
    const float rs = rstd[r];
    const float c = rs * rs * rs * dot / static_cast<float>(h);
    for (int64_t j = threadIdx.x; j < h; j += blockDim.x) dx[r * h + j] = rs * dyr[j] * w[j] - xr[j] * c;
  }
}

// dw[j] = Σ_r dy[r, j]·x[r, j]·rstd[r]; one thread per column, rows walked in order (deterministic).
__global__ void rms_norm_dw_kernel(const float* dy, const float* x, const float* rstd, float* dw, int64_t rows,
                                   int64_t h) {
  for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < h; j += int64_t(gridDim.x) * blockDim.x) {
    float acc = 0.f;
    for (int64_t r = 0; r < rows; ++r) acc += dy[r * h + j] * x[r * h + j] * rstd[r];
    dw[j] = acc;
  }
}

// ---------------------------------------------------------------- RoPE
// x [b, heads, s, d], cos/sin [cos_batches, s, d/2]; sign −1 rotates backwards (the gradient).
__global__ void rope_kernel(const float* x, const float* cs, const float* sn, float* out, int64_t b, int64_t heads,
                            int64_t s, int64_t d, int64_t cos_batches, float sign) {
  const int64_t half = d / 2;
  const int64_t n = b * heads * s * half;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t j = i % half, pos = (i / half) % s, row = i / half;  // row = (bi, h, pos)
    const int64_t bi = row / (heads * s);
    const int64_t ci = ((cos_batches == 1 ? 0 : bi) * s + pos) * half + j;
    const float c = cs[ci], sv = sign * sn[ci];
    const float x1 = x[row * d + j], x2 = x[row * d + half + j];
    out[row * d + j] = x1 * c - x2 * sv;
    out[row * d + half + j] = x2 * c + x1 * sv;
  }
}

// ---------------------------------------------------------------- SwiGLU
__global__ void swiglu_forward_kernel(const float* g, const float* u, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float x = g[i];
    out[i] = x / (1.f + expf(-x)) * u[i];
  }
}

// d silu(x)/dx = σ(x)·(1 + x·(1 − σ(x)))
__global__ void swiglu_backward_kernel(const float* dy, const float* g, const float* u, float* dg, float* du, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float x = g[i];
    const float sig = 1.f / (1.f + expf(-x));
    dg[i] = dy[i] * u[i] * sig * (1.f + x * (1.f - sig));
    du[i] = dy[i] * x * sig;
  }
}

// ---------------------------------------------------------------- cross-entropy
constexpr int kIgnoreIndex = -100;

__global__ void cross_entropy_forward_kernel(const float* logits, const int32_t* labels, float* lse, float* row_loss,
                                             int64_t rows, int64_t vocab, int* flag) {
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const float* xr = logits + r * vocab;
    float m = -INFINITY;
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = block_max(m);
    float se = 0.f;
    for (int64_t j = threadIdx.x; j < vocab; j += blockDim.x) se += expf(xr[j] - m);
    se = block_sum(se);
    if (threadIdx.x == 0) {
      const float l = m + logf(se);
      lse[r] = l;
      const int32_t label = labels[r];
      if (label == kIgnoreIndex) {
        row_loss[r] = 0.f;
      } else if (label < 0 || label >= vocab) {
        raise_error(flag, kLabel, label, static_cast<int>(vocab));
        row_loss[r] = 0.f;
      } else {
        row_loss[r] = l - xr[label];
      }
    }
  }
}

// dlogits = kept·dy·(softmax − onehot(label))
__global__ void cross_entropy_backward_kernel(const float* logits, const int32_t* labels, const float* lse,
                                              const float* dy, float* dlogits, int64_t rows, int64_t vocab) {
  const int64_t n = rows * vocab;
  const float g = dy[0];
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / vocab, j = i % vocab;
    const int32_t label = labels[r];
    if (label == kIgnoreIndex || label < 0 || label >= vocab) {
      dlogits[i] = 0.f;
    } else {
      const float p = expf(logits[i] - lse[r]);
      dlogits[i] = g * (p - (j == label ? 1.f : 0.f));
    }
  }
}

unsigned row_blocks(int64_t rows) { return static_cast<unsigned>(rows < 65535 ? (rows < 1 ? 1 : rows) : 65535); }

}  // namespace

void rms_norm_forward(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t h, float eps) {
  if (rows > 0) rms_norm_forward_kernel<<<row_blocks(rows), kThreads, 0, stream()>>>(x, w, y, rstd, rows, h, eps);
}

void rms_norm_backward(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                       int64_t rows, int64_t h) {
  if (rows > 0) rms_norm_dx_kernel<<<row_blocks(rows), kThreads, 0, stream()>>>(dy, x, w, rstd, dx, rows, h);
  rms_norm_dw_kernel<<<grid_for(h), kThreads, 0, stream()>>>(dy, x, rstd, dw, rows, h);
}

void rope(const float* x, const float* cos, const float* sin, float* out, int64_t b, int64_t heads, int64_t s,
          int64_t d, int64_t cos_batches, float sign) {
  const int64_t n = b * heads * s * (d / 2);
  if (n > 0) rope_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, cos, sin, out, b, heads, s, d, cos_batches, sign);
}

void swiglu_forward(const float* gate, const float* up, float* out, int64_t n) {
  if (n > 0) swiglu_forward_kernel<<<grid_for(n), kThreads, 0, stream()>>>(gate, up, out, n);
}

void swiglu_backward(const float* dy, const float* gate, const float* up, float* dgate, float* dup, int64_t n) {
  if (n > 0) swiglu_backward_kernel<<<grid_for(n), kThreads, 0, stream()>>>(dy, gate, up, dgate, dup, n);
}

void cross_entropy_forward(const float* logits, const int32_t* labels, float* lse, float* row_loss, float* loss,
                           int64_t rows, int64_t vocab) {
  if (rows > 0) {
    cross_entropy_forward_kernel<<<row_blocks(rows), kThreads, 0, stream()>>>(logits, labels, lse, row_loss, rows,
                                                                             vocab, error_flag());
  }
  // Summed in a fixed order (one block), so the loss does not depend on scheduling.
  reduce(kSum, kF32, row_loss, loss, 1, rows, 1);
}

void cross_entropy_backward(const float* logits, const int32_t* labels, const float* lse, const float* dy,
                            float* dlogits, int64_t rows, int64_t vocab) {
  const int64_t n = rows * vocab;
  if (n > 0) cross_entropy_backward_kernel<<<grid_for(n), kThreads, 0, stream()>>>(logits, labels, lse, dy, dlogits, rows, vocab);
}

}  // namespace mdc
