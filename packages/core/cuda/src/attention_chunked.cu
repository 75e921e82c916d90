// Causal GQA attention over many query rows (training, prefill) through cuBLAS products. The
// queries go in chunks of C rows. Per chunk, with the G query heads of a KV head stacked as G·C rows
// (q's layout [b, hq, s, d] already keeps them together), three launches do the work:
//   S = Q·Kᵀ      one strided-batched product over (batch, kv head)        [b·hkv, G·C, keys]
//   P = softmax   scale, causal limit and segment ids, one warp a row;     log-sum-exp kept
//   O = P·V       one strided-batched product                              [b·hkv, G·C, d]
// Memory holds one chunk's scores (C is chosen so that they stay under kScoreElements), never the
// whole [s, t] matrix, and a chunk reads only the keys its last row can see.
// The backward recomputes P from the forward's log-sum-exp, chunk by chunk: dP = dO·Vᵀ,
// dS = P∘(dP − δ)·scale, dQ = dS·K, and dK += dSᵀ·Q, dV += Pᵀ·dO accumulate over the chunks (β = 1):
// no atomics, so the summation order is fixed.
// Math mode bf16: the products take bfloat16 Q, K, V, P, dO and dS with float32 accumulation; the
// scores, the softmax statistics and every output stay float32.
#include <cuda_bf16.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "attention_chunked.h"
#include "common.cuh"

namespace mdc {

namespace {

/** Score elements one chunk may hold ([b, hq, C, t] float32: 128 MiB). */
constexpr int64_t kScoreElements = int64_t(1) << 25;
constexpr int kRowsPerBlock = 4;  // warps (one row each) per block of the row kernels

template <class T>
__device__ inline T from_float(float x);
template <>
__device__ inline float from_float<float>(float x) {
  return x;
}
template <>
__device__ inline __nv_bfloat16 from_float<__nv_bfloat16>(float x) {
  return __float2bfloat16_rn(x);
}

/** One chunk: query rows i0 … i0 + c − 1 of s, seeing keys 0 … nk − 1 at most. */
struct Chunk {
  int64_t b, hq, s, t, i0, c, nk;
  float scale;
};

/** Row r of a chunk's scores [b, hq, c, nk]: its query's (batch, key position, row in lse). */
struct ChunkRow {
  int64_t bi, pos, query;
};

__device__ inline ChunkRow chunk_row(int64_t r, const Chunk& k) {
  const int64_t head_row = r / k.c;  // bi·hq + h
  const int64_t i = k.i0 + r % k.c;
  return {head_row / k.hq, k.t - k.s + i, head_row * k.s + i};
}

// dst [R, c, d] = rows i0 … i0 + c − 1 of each of the R = b·hq blocks of src [R, s, d].
template <class T>
__global__ void take_rows_kernel(const float* src, T* dst, int64_t n, int64_t s, int64_t i0, int64_t c, int64_t d) {
  for (int64_t x = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; x < n; x += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = x % d, rc = x / d;
    dst[x] = from_float<T>(src[((rc / c) * s + i0 + rc % c) * d + e]);
  }
}

// The inverse: rows i0 … of dst [R, s, d] = src [R, c, d].
__global__ void put_rows_kernel(const float* src, float* dst, int64_t n, int64_t s, int64_t i0, int64_t c, int64_t d) {
  for (int64_t x = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; x < n; x += int64_t(gridDim.x) * blockDim.x) {
    const int64_t e = x % d, rc = x / d;
    dst[((rc / c) * s + i0 + rc % c) * d + e] = src[x];
  }
}

__device__ inline bool sees(const int32_t* seg, const Chunk& k, const ChunkRow& q, int64_t j) {
  return j <= q.pos && (seg == nullptr || seg[q.bi * k.t + j] == seg[q.bi * k.t + q.pos]);
}

// probs[r, j] = exp(scale·S[r, j] − lse) where query r sees key j, else 0; lse[query] = log Σ exp.
// probs may be S itself (float32): each element is read, then written, by the same lane.
template <class P>
__global__ void chunk_softmax_kernel(const float* scores, P* probs, float* lse, const int32_t* seg, Chunk k,
                                     int64_t rows) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; r < rows; r += warps) {
    const ChunkRow q = chunk_row(r, k);
    const float* sr = scores + r * k.nk;
    float m = -INFINITY;
    for (int64_t j = lane; j <= q.pos; j += 32)
      if (sees(seg, k, q, j)) m = fmaxf(m, k.scale * sr[j]);
    m = warp_max(m);
    float l = 0.f;
    for (int64_t j = lane; j <= q.pos; j += 32)
      if (sees(seg, k, q, j)) l += expf(k.scale * sr[j] - m);
    const float row_lse = m + logf(warp_sum(l));  // the query sees itself: l ≥ 1
    P* pr = probs + r * k.nk;
    for (int64_t j = lane; j < k.nk; j += 32)
      pr[j] = from_float<P>(sees(seg, k, q, j) ? expf(k.scale * sr[j] - row_lse) : 0.f);
    if (lane == 0) lse[q.query] = row_lse;
  }
}

// From S and dP of a chunk: probs = P (recomputed from lse) and ds = P∘(dP − δ)·scale, the gradient
// of the scaled scores. probs and ds may be S and dP themselves (float32), element by element.
template <class P>
__global__ void chunk_softmax_grad_kernel(const float* scores, const float* dprobs, const float* lse,
                                          const float* delta, const int32_t* seg, P* probs, P* ds, Chunk k,
                                          int64_t rows) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = int64_t(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; r < rows; r += warps) {
    const ChunkRow q = chunk_row(r, k);
    const float row_lse = lse[q.query], row_delta = delta[q.query];
    const int64_t base = r * k.nk;
    for (int64_t j = lane; j < k.nk; j += 32) {
      const float p = sees(seg, k, q, j) ? expf(k.scale * scores[base + j] - row_lse) : 0.f;
      const float g = p * (dprobs[base + j] - row_delta) * k.scale;
      probs[base + j] = from_float<P>(p);
      ds[base + j] = from_float<P>(g);
    }
  }
}

unsigned row_blocks(int64_t rows) {
  const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
  return static_cast<unsigned>(std::clamp<int64_t>(blocks, 1, int64_t(65535) * 16));
}

void check_kernel(const char* what) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(err));
}

/** Scratch from the caching allocator for the duration of one call (stream order keeps reuse safe). */
class Scratch {
 public:
  Scratch(CachingAllocator& allocator, size_t bytes)
      : allocator_(allocator), p_(bytes > 0 ? allocator.alloc(bytes) : nullptr) {}
  Scratch(const Scratch&) = delete;
  ~Scratch() {
    if (p_ != nullptr) allocator_.release(p_);
  }
  void* get() const { return p_; }

 private:
  CachingAllocator& allocator_;
  void* p_;
};

/** One row-major stored matrix operand of a batch of products: its data, row length and batch stride. */
struct Matrix {
  const void* data;
  int64_t ld, stride;
};

// Row-major C[m, n] (+)= op(A)·op(B) over `batch` matrices, C with row length n. cuBLAS is column-major,
// so it computes Cᵀ = op(B)ᵀ·op(A)ᵀ: B goes first. An operand's ld is its stored row length.
void product(const ProductContext& ctx, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const Matrix& a,
             const Matrix& b, float* c, int64_t stride_c, int64_t batch, float beta) {
  const float alpha = 1.f;
  const int type = ctx.bf16 ? kCudaR16BF : kCudaR32F;
  const cublasStatus_t status = ctx.cublas.gemm_strided_batched_ex(
      ctx.handle, tb ? kCublasOpT : kCublasOpN, ta ? kCublasOpT : kCublasOpN, static_cast<int>(n), static_cast<int>(m),
      static_cast<int>(k), &alpha, b.data, type, static_cast<int>(b.ld), b.stride, a.data, type,
      static_cast<int>(a.ld), a.stride, &beta, c, kCudaR32F, static_cast<int>(n), stride_c, static_cast<int>(batch),
      ctx.compute_type, kCublasGemmDefault);
  if (status != 0) throw std::runtime_error("cublasGemmStridedBatchedEx (attention) failed with cuBLAS status " + std::to_string(status));
}

/** Query rows per chunk: all of s when the scores fit kScoreElements, else a multiple of 64 that does. */
int64_t chunk_rows(const AttentionDims& a, int64_t rows_override) {
  if (rows_override > 0) return std::min(rows_override, a.s);
  const int64_t fit = kScoreElements / std::max<int64_t>(1, a.b * a.hq * a.t);
  if (fit >= a.s) return a.s;
  return std::max<int64_t>(1, fit >= 64 ? fit / 64 * 64 : fit);
}

/** x [n] as the products' operand type: x itself (float32), or a bfloat16 copy in `scratch`. */
const void* operand(const ProductContext& ctx, const float* x, int64_t n, const Scratch& scratch) {
  if (!ctx.bf16) return x;
  to_bf16(x, scratch.get(), n);
  check_kernel("to_bf16 (attention)");
  return scratch.get();
}

/** Rows i0 … i0 + c − 1 of each [s, d] block of x as a dense [b·hq, c, d] operand in `dst`. */
void take_rows(const ProductContext& ctx, const float* x, void* dst, int64_t blocks, const AttentionDims& a,
               int64_t i0, int64_t c) {
  const int64_t n = blocks * c * a.d;
  if (ctx.bf16)
    take_rows_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, static_cast<__nv_bfloat16*>(dst), n, a.s, i0, c, a.d);
  else
    take_rows_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, static_cast<float*>(dst), n, a.s, i0, c, a.d);
  check_kernel("attention take_rows");
}

void put_rows(const float* src, float* x, int64_t blocks, const AttentionDims& a, int64_t i0, int64_t c) {
  const int64_t n = blocks * c * a.d;
  put_rows_kernel<<<grid_for(n), kThreads, 0, stream()>>>(src, x, n, a.s, i0, c, a.d);
  check_kernel("attention put_rows");
}

}  // namespace

void attention_forward_chunked(const ProductContext& ctx, const float* q, const float* k, const float* v,
                               const int32_t* seg, float* out, float* lse, const AttentionDims& a,
                               int64_t rows_override) {
  if (a.b * a.hq * a.s == 0) return;
  const int64_t g = a.hq / a.hkv, heads = a.b * a.hq, kv_heads = a.b * a.hkv;
  const int64_t rows = chunk_rows(a, rows_override);
  const size_t op_bytes = ctx.bf16 ? 2 : 4;
  const int64_t kv_elems = kv_heads * a.t * a.d;
  // float32 and one chunk: the products read q and write out where they are.
  const bool direct = !ctx.bf16 && rows == a.s;
  Scratch k16(ctx.allocator, ctx.bf16 ? kv_elems * 2 : 0), v16(ctx.allocator, ctx.bf16 ? kv_elems * 2 : 0);
  Scratch qc(ctx.allocator, direct ? 0 : heads * rows * a.d * op_bytes);
  Scratch oc(ctx.allocator, direct ? 0 : heads * rows * a.d * 4);
  Scratch scores(ctx.allocator, heads * rows * a.t * 4);
  Scratch probs16(ctx.allocator, ctx.bf16 ? heads * rows * a.t * 2 : 0);
  const void* kk = operand(ctx, k, kv_elems, k16);
  const void* vv = operand(ctx, v, kv_elems, v16);
  float* s32 = static_cast<float*>(scores.get());
  for (int64_t i0 = 0; i0 < a.s; i0 += rows) {
    const int64_t c = std::min(rows, a.s - i0), nk = a.t - a.s + i0 + c, gc = g * c;
    const void* qq = q;
    if (!direct) {
      take_rows(ctx, q, qc.get(), heads, a, i0, c);
      qq = qc.get();
    }
    product(ctx, false, true, gc, nk, a.d, {qq, a.d, gc * a.d}, {kk, a.d, a.t * a.d}, s32, gc * nk, kv_heads, 0.f);
    const Chunk chunk{a.b, a.hq, a.s, a.t, i0, c, nk, a.scale};
    const int64_t chunk_rows_n = heads * c;
    void* p = ctx.bf16 ? probs16.get() : scores.get();
    if (ctx.bf16)
      chunk_softmax_kernel<<<row_blocks(chunk_rows_n), 32 * kRowsPerBlock, 0, stream()>>>(
          s32, static_cast<__nv_bfloat16*>(p), lse, seg, chunk, chunk_rows_n);
    else
      chunk_softmax_kernel<<<row_blocks(chunk_rows_n), 32 * kRowsPerBlock, 0, stream()>>>(
          s32, static_cast<float*>(p), lse, seg, chunk, chunk_rows_n);
    check_kernel("attention chunk_softmax");
    float* o = direct ? out : static_cast<float*>(oc.get());
    product(ctx, false, false, gc, a.d, nk, {p, nk, gc * nk}, {vv, a.d, a.t * a.d}, o, gc * a.d, kv_heads, 0.f);
    if (!direct) put_rows(o, out, heads, a, i0, c);
  }
}

void attention_backward_chunked(const ProductContext& ctx, const float* q, const float* k, const float* v,
                                const int32_t* seg, const float* out, const float* lse, const float* dout, float* dq,
                                float* dk, float* dv, float* delta, const AttentionDims& a, int64_t rows_override) {
  const int64_t g = a.hq / a.hkv, heads = a.b * a.hq, kv_heads = a.b * a.hkv;
  const int64_t kv_elems = kv_heads * a.t * a.d;
  cudaMemsetAsync(dk, 0, sizeof(float) * kv_elems, stream());
  cudaMemsetAsync(dv, 0, sizeof(float) * kv_elems, stream());
  if (heads * a.s == 0) return;
  attention_row_delta(out, dout, delta, heads * a.s, a.d);
  check_kernel("attention delta");
  const int64_t rows = chunk_rows(a, rows_override);
  const size_t op_bytes = ctx.bf16 ? 2 : 4;
  const bool direct = !ctx.bf16 && rows == a.s;
  Scratch k16(ctx.allocator, ctx.bf16 ? kv_elems * 2 : 0), v16(ctx.allocator, ctx.bf16 ? kv_elems * 2 : 0);
  Scratch qc(ctx.allocator, direct ? 0 : heads * rows * a.d * op_bytes);
  Scratch doc(ctx.allocator, direct ? 0 : heads * rows * a.d * op_bytes);
  Scratch dqc(ctx.allocator, direct ? 0 : heads * rows * a.d * 4);
  Scratch scores(ctx.allocator, heads * rows * a.t * 4), dscores(ctx.allocator, heads * rows * a.t * 4);
  Scratch probs16(ctx.allocator, ctx.bf16 ? heads * rows * a.t * 2 : 0);
  Scratch ds16(ctx.allocator, ctx.bf16 ? heads * rows * a.t * 2 : 0);
  const void* kk = operand(ctx, k, kv_elems, k16);
  const void* vv = operand(ctx, v, kv_elems, v16);
  float* s32 = static_cast<float*>(scores.get());
  float* dp32 = static_cast<float*>(dscores.get());
  for (int64_t i0 = 0; i0 < a.s; i0 += rows) {
    const int64_t c = std::min(rows, a.s - i0), nk = a.t - a.s + i0 + c, gc = g * c;
    const void* qq = q;
    const void* dd = dout;
    if (!direct) {
      take_rows(ctx, q, qc.get(), heads, a, i0, c);
      take_rows(ctx, dout, doc.get(), heads, a, i0, c);
      qq = qc.get();
      dd = doc.get();
    }
    product(ctx, false, true, gc, nk, a.d, {qq, a.d, gc * a.d}, {kk, a.d, a.t * a.d}, s32, gc * nk, kv_heads, 0.f);
    product(ctx, false, true, gc, nk, a.d, {dd, a.d, gc * a.d}, {vv, a.d, a.t * a.d}, dp32, gc * nk, kv_heads, 0.f);
    const Chunk chunk{a.b, a.hq, a.s, a.t, i0, c, nk, a.scale};
    const int64_t chunk_rows_n = heads * c;
    void* p = ctx.bf16 ? probs16.get() : scores.get();
    void* ds = ctx.bf16 ? ds16.get() : dscores.get();
    if (ctx.bf16)
      chunk_softmax_grad_kernel<<<row_blocks(chunk_rows_n), 32 * kRowsPerBlock, 0, stream()>>>(
          s32, dp32, lse, delta, seg, static_cast<__nv_bfloat16*>(p), static_cast<__nv_bfloat16*>(ds), chunk,
          chunk_rows_n);
    else
      chunk_softmax_grad_kernel<<<row_blocks(chunk_rows_n), 32 * kRowsPerBlock, 0, stream()>>>(
          s32, dp32, lse, delta, seg, static_cast<float*>(p), static_cast<float*>(ds), chunk, chunk_rows_n);
    check_kernel("attention chunk_softmax_grad");
    // dV += Pᵀ·dO and dK += dSᵀ·Q over the chunk's G·c rows of each KV head: [nk, d].
    product(ctx, true, false, nk, a.d, gc, {p, nk, gc * nk}, {dd, a.d, gc * a.d}, dv, a.t * a.d, kv_heads, 1.f);
    product(ctx, true, false, nk, a.d, gc, {ds, nk, gc * nk}, {qq, a.d, gc * a.d}, dk, a.t * a.d, kv_heads, 1.f);
    float* dqo = direct ? dq : static_cast<float*>(dqc.get());
    product(ctx, false, false, gc, a.d, nk, {ds, nk, gc * nk}, {kk, a.d, a.t * a.d}, dqo, gc * a.d, kv_heads, 0.f);
    if (!direct) put_rows(dqo, dq, heads, a, i0, c);
  }
}

}  // namespace mdc
