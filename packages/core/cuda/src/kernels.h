// Launchers of the device kernels (src/*.cu), called by addon.cc. Every pointer is device memory
// from the caching allocator; every launch goes on the backend's one stream, so a buffer freed
// on the host may be reused by the next launch without waiting (stream order keeps it safe).
// Storage is 4 bytes per element for every dtype the backend holds (float32, int32, and bool
// kept as int32), so layout kernels move 32-bit words whatever the dtype.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>

namespace mdc {

constexpr int kMaxDims = 8;

/** Up to kMaxDims sizes or strides passed by value to a kernel. */
struct Dims {
  int n;
  int64_t v[kMaxDims];
};

enum Dtype : int { kF32 = 0, kI32 = 1 };

// Must match BINARY_OPS / UNARY_OPS / REDUCE_OPS in src/backend/cuda/cuda_addon.ts.
enum BinaryOp : int { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMaximum = 4, kMinimum = 5, kSquaredDifference = 6, kPow = 7 };
enum UnaryOp : int {
  kExp = 0, kNeg = 1, kSqrt = 2, kRsqrt = 3, kSquare = 4, kSigmoid = 5, kLog = 6, kRelu = 7, kTanh = 8, kAbs = 9,
  kReciprocal = 10, kCos = 11, kSin = 12, kFloor = 13,
};
enum ReduceOp : int { kSum = 0, kMax = 1, kMin = 2, kMean = 3 };

// Device error codes written to the error flag (first error wins; the host reads it at the next sync).
enum DeviceError : int { kNoError = 0, kGatherIndex = 1, kLabel = 2 };

/** The backend's one stream (created by addon.cc at init). */
cudaStream_t stream();
/** Device int32[3]: {code, bad value, limit} of the first device-detected error, zeros otherwise. */
int* error_flag();

// elementwise.cu
void binary(int op, int dtype, const void* a, const void* b, void* out, const Dims& shape, const Dims& a_strides,
            const Dims& b_strides, int64_t n);
void unary(int op, const float* x, float* out, int64_t n);
void cast(const void* x, void* out, int64_t n, int from, int to, bool to_bool);
void range(void* out, int64_t n, double start, double delta, int dtype);
void fill(void* out, int64_t n, double value, int dtype);
/** dst[dst_offset + Σ c_i dst_strides_i] = src[src_offset + Σ (c_i % src_mod_i) src_strides_i] over coordinates c of `iter`. */
void strided_copy(const int32_t* src, int32_t* dst, const Dims& iter, const Dims& src_strides, const Dims& src_mod,
                  const Dims& dst_strides, int64_t src_offset, int64_t dst_offset, int64_t n);

// reduce.cu
/** x viewed as [outer, len, inner] -> out [outer, inner]. */
void reduce(int op, int dtype, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);
/** out [rows] = index of the largest value of each row of x [rows, cols], the lowest among equals; NaN
 *  never wins over a number, and a row starting with NaN gives 0 (as tfjs' cpu ArgMax). */
void argmax_rows(const float* x, int32_t* out, int64_t rows, int64_t cols);
/** x viewed as [outer, axis_len, inner], indices [n_idx] -> out [outer, n_idx, inner]. */
void gather(const int32_t* x, const int32_t* indices, int32_t* out, int64_t outer, int64_t axis_len, int64_t inner,
            int64_t n_idx);
/** out [segments, inner] = Σ rows of x [rows, inner] by segment id (ids outside [0, segments) are ignored, as tfjs does). */
void segment_sum(const float* x, const int32_t* ids, float* out, int64_t rows, int64_t inner, int64_t segments);

// fused.cu
void rms_norm_forward(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t h, float eps);
void rms_norm_backward(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                       int64_t rows, int64_t h);
void rope(const float* x, const float* cos, const float* sin, float* out, int64_t b, int64_t heads, int64_t s,
          int64_t d, int64_t cos_batches, float sign);
void swiglu_forward(const float* gate, const float* up, float* out, int64_t n);
void swiglu_backward(const float* dy, const float* gate, const float* up, float* dgate, float* dup, int64_t n);
/** lse [rows], row_loss [rows] (0 where label == -100) and their sum in loss [1]; labels outside [0, vocab) set the error flag. */
void cross_entropy_forward(const float* logits, const int32_t* labels, float* lse, float* row_loss, float* loss, int64_t rows,
                           int64_t vocab);
/** dy: device scalar (the incoming gradient of the summed loss). */
void cross_entropy_backward(const float* logits, const int32_t* labels, const float* lse, const float* dy,
                            float* dlogits, int64_t rows, int64_t vocab);

// attention.cu
struct AttentionDims {
  int64_t b, hq, hkv, s, t, d;
  float scale;
};
constexpr int kMaxHeadDim = 256;
void attention_forward(const float* q, const float* k, const float* v, const int32_t* seg, float* out, float* lse,
                       const AttentionDims& dims);
/** delta: scratch [b*hq*s]; dk, dv are overwritten. */
void attention_backward(const float* q, const float* k, const float* v, const int32_t* seg, const float* out,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv, float* delta,
                        const AttentionDims& dims);

/** delta [rows] = Σ_e out·dout over each row of d values (the softmax-gradient correction). */
void attention_row_delta(const float* out, const float* dout, float* delta, int64_t rows, int64_t d);

// bf16.cu
/** out (bfloat16 [n]) = x rounded to nearest even. */
void to_bf16(const float* x, void* out, int64_t n);

// optimizer.cu
/** torch.optim.AdamW on one parameter, in place on param, m and v [n]; `step` is 1-based (after this update). */
void adamw(float* param, const float* grad, float* m, float* v, int64_t n, float lr, double beta1, double beta2,
           float eps, float weight_decay, double step, float grad_scale);
/** Doubles of scratch sum_squares needs for these tensor sizes. */
int64_t sum_squares_scratch(const int64_t* sizes, int64_t count);
/** out[0] = Σ over the `count` tensors xs[i] [sizes[i]] of x², accumulated in float64 and rounded once. */
void sum_squares(const float* const* xs, const int64_t* sizes, int64_t count, double* scratch, float* out);

}  // namespace mdc
