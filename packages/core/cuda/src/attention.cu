// Causal GQA attention, flash-style: one warp per query row walks its visible keys with an online
// softmax, so the [s, t] score matrix never exists. Query i of s sits at key position t − s + i
// (KV cache); with segment ids a query sees only keys of its own segment (packed examples, left
// padding). The forward keeps one log-sum-exp per row for the backward pass, which recomputes
// each probability from it. Straightforward and correct first: keys are walked one at a time and
// the backward accumulates dk/dv with atomics (so their summation order is not fixed).
#include <cmath>
#include "common.cuh"

namespace mdc {

namespace {

constexpr int kPerLane = kMaxHeadDim / 32;  // head-dim elements each lane holds
constexpr int kWarpsPerBlock = 4;

struct Row {
  int64_t row, bi, kvh, pos;
};

__device__ inline Row row_of(int64_t row, const AttentionDims& a) {
  const int64_t i = row % a.s, h = (row / a.s) % a.hq, bi = row / (a.s * a.hq);
  return {row, bi, h / (a.hq / a.hkv), a.t - a.s + i};
}

__device__ inline bool visible(const int32_t* seg, const AttentionDims& a, const Row& r, int64_t j) {
  return seg == nullptr || seg[r.bi * a.t + j] == seg[r.bi * a.t + r.pos];
}

__global__ void attention_forward_kernel(const float* q, const float* k, const float* v, const int32_t* seg, float* out,
                                         float* lse, AttentionDims a) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = a.b * a.hq * a.s;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; row < rows; row += warps) {
    const Row r = row_of(row, a);
    const float* kb = k + (r.bi * a.hkv + r.kvh) * a.t * a.d;
    const float* vb = v + (r.bi * a.hkv + r.kvh) * a.t * a.d;
    float qv[kPerLane], acc[kPerLane];
#pragma unroll
    for (int p = 0; p < kPerLane; ++p) {
      const int64_t e = lane + 32 * p;
      qv[p] = e < a.d ? q[row * a.d + e] * a.scale : 0.f;
      acc[p] = 0.f;
    }
    float m = -INFINITY, l = 0.f;
    for (int64_t j = 0; j <= r.pos; ++j) {
      if (!visible(seg, a, r, j)) continue;
      float dot = 0.f;
#pragma unroll
      for (int p = 0; p < kPerLane; ++p) {
        const int64_t e = lane + 32 * p;
        if (e < a.d) dot += qv[p] * kb[j * a.d + e];
      }
      dot = warp_sum(dot);
      const float m_new = fmaxf(m, dot);
      const float corr = expf(m - m_new), pj = expf(dot - m_new);
      l = l * corr + pj;
#pragma unroll
      for (int p = 0; p < kPerLane; ++p) {
        const int64_t e = lane + 32 * p;
        if (e < a.d) acc[p] = acc[p] * corr + pj * vb[j * a.d + e];
      }
      m = m_new;
    }
#pragma unroll
    for (int p = 0; p < kPerLane; ++p) {
      const int64_t e = lane + 32 * p;
      if (e < a.d) out[row * a.d + e] = acc[p] / l;
    }
    if (lane == 0) lse[row] = m + logf(l);
  }
}

// delta[row] = Σ_e dout·out, the softmax-gradient correction of each row.
__global__ void attention_delta_kernel(const float* out, const float* dout, float* delta, int64_t rows, int64_t d) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; row < rows; row += warps) {
    float acc = 0.f;
    for (int64_t e = lane; e < d; e += 32) acc += out[row * d + e] * dout[row * d + e];
    acc = warp_sum(acc);
    if (lane == 0) delta[row] = acc;
  }
}

// p = exp(scale·q·k − lse), ds = p·(dout·v − delta): dq += scale·ds·k, dk += scale·ds·q, dv += p·dout.
__global__ void attention_backward_kernel(const float* q, const float* k, const float* v, const int32_t* seg,
                                          const float* lse, const float* dout, const float* delta, float* dq,
                                          float* dk, float* dv, AttentionDims a) {
  const int lane = threadIdx.x & 31;
  const int64_t rows = a.b * a.hq * a.s;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t row = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; row < rows; row += warps) {
    const Row r = row_of(row, a);
    const int64_t base = (r.bi * a.hkv + r.kvh) * a.t * a.d;
    float qv[kPerLane], dov[kPerLane], dqv[kPerLane];
#pragma unroll
    for (int p = 0; p < kPerLane; ++p) {
      const int64_t e = lane + 32 * p;
      qv[p] = e < a.d ? q[row * a.d + e] : 0.f;
      dov[p] = e < a.d ? dout[row * a.d + e] : 0.f;
      dqv[p] = 0.f;
    }
    const float row_lse = lse[row], row_delta = delta[row];
    for (int64_t j = 0; j <= r.pos; ++j) {
      if (!visible(seg, a, r, j)) continue;
      const float* kj = k + base + j * a.d;
      const float* vj = v + base + j * a.d;
      float dot = 0.f, dp = 0.f;
#pragma unroll
      for (int p = 0; p < kPerLane; ++p) {
        const int64_t e = lane + 32 * p;
        if (e < a.d) {
          dot += qv[p] * kj[e];
          dp += dov[p] * vj[e];
        }
      }
      dot = warp_sum(dot);
      dp = warp_sum(dp);
      const float pj = expf(a.scale * dot - row_lse);
      const float ds = pj * (dp - row_delta) * a.scale;
#pragma unroll
      for (int p = 0; p < kPerLane; ++p) {
        const int64_t e = lane + 32 * p;
        if (e < a.d) {
          dqv[p] += ds * kj[e];
          atomicAdd(dk + base + j * a.d + e, ds * qv[p]);
          atomicAdd(dv + base + j * a.d + e, pj * dov[p]);
        }
      }
    }
#pragma unroll
    for (int p = 0; p < kPerLane; ++p) {
      const int64_t e = lane + 32 * p;
      if (e < a.d) dq[row * a.d + e] = dqv[p];
    }
  }
}

unsigned warp_blocks(int64_t rows) {
  const int64_t blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535 * 16 ? 65535 * 16 : blocks));
}

}  // namespace

void attention_forward(const float* q, const float* k, const float* v, const int32_t* seg, float* out, float* lse,
                       const AttentionDims& dims) {
  const int64_t rows = dims.b * dims.hq * dims.s;
  if (rows == 0) return;
  attention_forward_kernel<<<warp_blocks(rows), 32 * kWarpsPerBlock, 0, stream()>>>(q, k, v, seg, out, lse, dims);
}

void attention_row_delta(const float* out, const float* dout, float* delta, int64_t rows, int64_t d) {
  if (rows > 0)
    attention_delta_kernel<<<warp_blocks(rows), 32 * kWarpsPerBlock, 0, stream()>>>(out, dout, delta, rows, d);
}

void attention_backward(const float* q, const float* k, const float* v, const int32_t* seg, const float* out,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv, float* delta,
                        const AttentionDims& dims) {
  const int64_t rows = dims.b * dims.hq * dims.s;
  const size_t kv_bytes = sizeof(float) * dims.b * dims.hkv * dims.t * dims.d;
  cudaMemsetAsync(dk, 0, kv_bytes, stream());
  cudaMemsetAsync(dv, 0, kv_bytes, stream());
  if (rows == 0) return;
  attention_row_delta(out, dout, delta, rows, dims.d);
  attention_backward_kernel<<<warp_blocks(rows), 32 * kWarpsPerBlock, 0, stream()>>>(q, k, v, seg, lse, dout, delta,
                                                                                     dq, dk, dv, dims);
}

}  // namespace mdc
