// Packing lines that are contiguous along k (rows of a row-major matrix) into a panel that is
// contiguous along the lines, W values per k: the GEMM packs A and transposed B this way (gemm.cc),
// and AVX2's outer-product bf16 tiles transpose the rows of x with it (bf16.cc). Included by kernel
// sources after common.h and vec.h, so it lives in md::MD_ISA.
#pragma once
#include "common.h"
#include "transpose_registers.h"
#include "vec.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace md {
namespace MD_ISA {

#if defined(__AVX512F__)
// One panel of `lines` (<= W) lines that are contiguous along k (rows of a row-major A, columns
// of a transposed B): 16 lines x 16 k at a time, transposed in registers, missing lines as zeros;
// with kRound each value rounded to bf16 on the way (Vec::round_bf16).
// The scalar loop would write every value to a different cache line; this packs ~4x faster.
template <int W, bool kRound = false, typename S>
void pack_panel_k_contiguous(const S* src, int64_t line_stride, int64_t lines, int64_t kc, float* MD_RESTRICT out) {
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) {
    for (int g = 0; g < W; g += 16) {
      const int64_t rows = imax(0, imin(16, lines - g));
      __m512 r[16];
      for (int i = 0; i < 16; ++i) r[i] = i < rows ? Vec::load(src + (g + i) * line_stride + k) : _mm512_setzero_ps();
      // 16 lines at once are more streams than the hardware prefetchers follow: measured on the
      // k/v shape, prefetching 4 cache lines ahead halved the packing time (40 -> ~20 us).
      for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(src + (g + i) * line_stride + k + 64), _MM_HINT_T0);
      transpose16x16(r);
      if constexpr (kRound)
        for (int j = 0; j < 16; ++j) r[j] = Vec::round_bf16(r[j]);
      const __mmask16 lanes = static_cast<__mmask16>((1u << imin(16, W - g)) - 1);
      for (int j = 0; j < 16; ++j) _mm512_mask_storeu_ps(out + (k + j) * W + g, lanes, r[j]);
    }
  }
  for (; k < kc; ++k)
    for (int i = 0; i < W; ++i) out[k * W + i] = i < lines ? packed_value<kRound>(src[i * line_stride + k]) : 0.0f;
}
#elif defined(__AVX2__)
// As the AVX-512 version, 8 lines x 8 k at a time. A panel is 16 (B) or 6 (A) lines wide; the
// 6-wide groups are stored as 4 + 2 values (AMD's masked stores are microcoded and slow).
template <int W, bool kRound = false, typename S>
void pack_panel_k_contiguous(const S* src, int64_t line_stride, int64_t lines, int64_t kc, float* MD_RESTRICT out) {
  static_assert(W % 8 == 0 || W == 6, "panels are whole groups of 8 lines, or one of 6");
  int64_t k = 0;
  for (; k + 8 <= kc; k += 8) {
    for (int g = 0; g < W; g += 8) {
      const int64_t rows = imax(0, imin(8, lines - g));
      __m256 r[8];
      for (int i = 0; i < 8; ++i) r[i] = i < rows ? Vec::load(src + (g + i) * line_stride + k) : _mm256_setzero_ps();
      // One cache line of each line 4 lines ahead per 16 k (see the AVX-512 version).
      if (k % 16 == 0)
        for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(src + (g + i) * line_stride + k + 64), _MM_HINT_T0);
      transpose8x8(r);
      if constexpr (kRound)
        for (int j = 0; j < 8; ++j) r[j] = Vec::round_bf16(r[j]);
      for (int j = 0; j < 8; ++j) {
        float* dst = out + (k + j) * W + g;
        if constexpr (W == 6) {
          _mm_storeu_ps(dst, _mm256_castps256_ps128(r[j]));
          _mm_storel_pi(reinterpret_cast<__m64*>(dst + 4), _mm256_extractf128_ps(r[j], 1));
        } else {
          _mm256_storeu_ps(dst, r[j]);
        }
      }
    }
  }
  for (; k < kc; ++k)
    for (int i = 0; i < W; ++i) out[k * W + i] = i < lines ? packed_value<kRound>(src[i * line_stride + k]) : 0.0f;
}
#endif

}  // namespace MD_ISA
}  // namespace md
