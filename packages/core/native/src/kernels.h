// The kernel table: every compute kernel of the addon, compiled once per instruction set
// (generic x86-64/other, AVX2+FMA, AVX-512) from the same sources in kernels/, and chosen at run
// time from the CPU's features. Only the N-API glue (addon.cc) and the thread pool are compiled
// for the baseline target.
#pragma once
#include <cstdint>

namespace md {

/** C = A·B (or C += A·B) for one matrix; any operand layout through row/column strides. */
struct GemmArgs {
  int64_t M, N, K;
  const float* A;  // A(i, k) = A[i * a_rs + k * a_cs]
  int64_t a_rs, a_cs;
  const float* B;  // B(k, j) = B[k * b_rs + j * b_cs]
  int64_t b_rs, b_cs;
  float* C;  // C(i, j) = C[i * ldc + j]
  int64_t ldc;
  bool accumulate;  // add into C instead of overwriting it
  // Multiply bfloat16 operands: A and B rounded to bf16 (nearest even), products accumulated in
  // float32 (mixed-precision training; the cuda backend's bf16 mode).
  bool bf16;
  // B held as bf16 values instead of B (B(k, j) = B_bf16[k * b_rs + j * b_cs] widened exactly),
  // widened as it is packed: a prefill's products with bf16 weights.
  const uint16_t* B_bf16 = nullptr;
};

/** Batched product: matrix b uses A + a_off[b], B + b_off[b], C + b * M * N (tfjs broadcasting). */
struct BatchedGemmArgs {
  GemmArgs g;  // A, B, C are the bases; C is written densely
  int64_t batch;
  const int64_t* a_off;
  const int64_t* b_off;
};

enum class BinaryOp : int { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSquaredDiff, kPow };
enum class UnaryOp : int {
  kExp = 0, kNeg, kSqrt, kRsqrt, kSquare, kSigmoid, kLog, kRelu, kTanh, kAbs, kReciprocal
};
enum class ReduceOp : int { kSum = 0, kMax, kMin, kMean };

constexpr int kMaxRank = 8;

/** out[i] = a[i…] op b[i…] over a broadcast shape; strides are 0 on broadcast dimensions. */
struct BinaryArgs {
  BinaryOp op;
  int rank;
  int64_t shape[kMaxRank];
  int64_t a_stride[kMaxRank];
  int64_t b_stride[kMaxRank];
  const float* a;
  const float* b;
  float* out;
};

/** Attention problem sizes: q [b, hq, s, d], k/v [b, hkv, t, d]; query i sits at key t - s + i. */
struct AttentionArgs {
  int64_t b, hq, hkv, s, t, d;
  float scale;
  const int32_t* segment_ids;  // [b, t_stride] or null: attention only within equal ids
  // Key rows per (batch, kv head) in k/v, and ids per row: t, or a KV cache's capacity (>= t) of
  // which the first t are keys. The backward pass takes t_stride == t only.
  int64_t t_stride;
};

struct Kernels {
  const char* isa;
  void (*gemm_batched)(const BatchedGemmArgs& args);
  void (*binary)(const BinaryArgs& args);
  void (*unary)(UnaryOp op, const float* x, float* out, int64_t n, float alpha);
  // Reduces the middle axis of x [outer, len, inner] into out [outer, inner].
  void (*reduce)(ReduceOp op, const float* x, float* out, int64_t outer, int64_t len, int64_t inner);
  void (*softmax)(const float* x, float* out, int64_t rows, int64_t cols);
  // out[r] = the index of row r's largest value, the lowest among ties; NaN never wins over a number
  // (as tfjs' cpu ArgMax: a strict > scan from index 0, so a NaN at index 0 gives 0). x [rows, cols].
  void (*argmax_rows)(const float* x, int32_t* out, int64_t rows, int64_t cols);
  void (*transpose)(const float* x, float* out, int rank, const int64_t* shape, const int32_t* perm);
  // out[o, i, r] = params[o, idx[i], r]; params [outer, axis_len, inner]; out-of-range rows are 0.
  void (*gather)(const float* params, const int32_t* idx, float* out, int64_t outer, int64_t axis_len,
                 int64_t inner, int64_t n_idx);
  // out [segments, inner] = 0, then out[seg[i], :] += data[i, :] (rows with seg outside [0, segments) are skipped).
  void (*segment_sum)(const float* data, const int32_t* seg, float* out, int64_t rows, int64_t inner,
                      int64_t segments);
  // x [rows, h] -> y, rstd [rows]; y = x * rstd * w.
  void (*rmsnorm_fwd)(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t h, float eps);
  // dx [rows, h]; dw [h] (overwritten).
  void (*rmsnorm_bwd)(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                      int64_t rows, int64_t h);
  // x [b, heads, s, d], cos/sin [b or 1, s, d/2] (cos_batches = b or 1); sign = -1 applies the
  // inverse rotation (the gradient).
  void (*rope)(const float* x, const float* cos, const float* sin, float* out, int64_t b, int64_t heads,
               int64_t s, int64_t d, int64_t cos_batches, float sign);
  void (*swiglu_fwd)(const float* gate, const float* up, float* out, int64_t n);
  void (*swiglu_bwd)(const float* dy, const float* gate, const float* up, float* dgate, float* dup, int64_t n);
  // logits [rows, vocab], labels [rows] -> lse [rows]; returns the summed loss over labels != ignore.
  double (*xent_fwd)(const float* logits, const int32_t* labels, float* lse, int64_t rows, int64_t vocab);
  // dlogits = dloss * (softmax - onehot) on rows with a label, 0 elsewhere.
  void (*xent_bwd)(const float* logits, const int32_t* labels, const float* lse, float dloss, float* dlogits,
                   int64_t rows, int64_t vocab);
  // out [b, hq, s, d], lse [b, hq, s].
  void (*attention_fwd)(const AttentionArgs& a, const float* q, const float* k, const float* v, float* out,
                        float* lse);
  void (*attention_bwd)(const AttentionArgs& a, const float* q, const float* k, const float* v, const float* out,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv);
  // torch.optim.AdamW step on grad * grad_scale: reads param, writes param_out (may be the same
  // array), updates m, v in place.
  void (*adamw)(const float* param, float* param_out, const float* grad, float* m, float* v, int64_t n, float lr, double beta1,
                double beta2, float eps, float weight_decay, double bias1, double bias2, float grad_scale);
  // Σ x², accumulated in float64 (a term of the global gradient norm).
  double (*sum_squares)(const float* x, int64_t n);
  // out [m, n] = x [m, k] · Wᵀ (+ bias [n] on every row, when not null) with W [n, k] bfloat16 (bit
  // patterns), accumulated in float32 (kernels/bf16.cc; with AVX512-BF16, x is rounded to bf16 first).
  void (*matmul_bf16)(const float* x, const uint16_t* w, const float* bias, float* out, int64_t m, int64_t n, int64_t k);
  // out [n_idx, h] = table [rows, h] (bfloat16) at idx, widened to float32; out-of-range ids give zero rows.
  void (*gather_bf16)(const uint16_t* table, const int32_t* idx, float* out, int64_t rows, int64_t h, int64_t n_idx);
};

namespace generic { const Kernels& kernels(); }
namespace avx2 { const Kernels& kernels(); }
namespace avx512 { const Kernels& kernels(); }

/** The table for the best instruction set of this CPU. */
const Kernels& kernels();

}  // namespace md
