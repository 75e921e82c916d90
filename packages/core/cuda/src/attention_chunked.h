// Causal GQA attention through cuBLAS products, a chunk of query rows at a time (attention_chunked.cu):
// the path for many query rows (training, prefill); attention.cu's one-warp-a-row kernels serve a few.
#pragma once

#include <cstdint>

#include "allocator.h"
#include "cublas_api.h"
#include "kernels.h"

namespace mdc {

/** What the chunked attention runs its products and scratch with (the addon's state). */
struct ProductContext {
  const Cublas& cublas;
  cublasHandle_t handle;
  int compute_type;             // cuBLAS compute type of float32 products (math mode fp32 / tf32)
  bool bf16;                    // math mode bf16: bfloat16 operands, float32 accumulation and results
  CachingAllocator& allocator;  // scratch: one chunk's scores and probabilities, bf16 copies of K and V
};

/** Same contract as attention_forward; rows_override > 0 caps the query rows per chunk (tests). */
void attention_forward_chunked(const ProductContext& ctx, const float* q, const float* k, const float* v,
                               const int32_t* seg, float* out, float* lse, const AttentionDims& dims,
                               int64_t rows_override);
/** Same contract as attention_backward (delta: scratch [b·hq·s]; dk, dv are overwritten). */
void attention_backward_chunked(const ProductContext& ctx, const float* q, const float* k, const float* v,
                                const int32_t* seg, const float* out, const float* lse, const float* dout, float* dq,
                                float* dk, float* dv, float* delta, const AttentionDims& dims, int64_t rows_override);

}  // namespace mdc
