// Outer-product tiles for products of 9-16 rows of x with a weight whose rows are contiguous
// (out = x · Wᵀ, W float32 or bf16): batched decoding on AVX2. x is transposed once per call to
// xt [k, 16] (pack_panel.h, rows past m zero), so column p of x is two vectors, and each W value is
// broadcast to every lane and multiplied with both: kOuterTile W rows x 16 rows of x in 12
// accumulators, each one FMA a step. The dot-product tiles they replace chain two FMAs into each
// of their 10 accumulators a step, as long as the step's FMA throughput with a Zen 2's 5-cycle
// latency, and read 5 rows of x for every 2 W rows. Fewer rows pay for the 16 all the same, so
// below kOuterMinRows the dot tiles stay. Included by kernel sources after common.h and vec.h, so
// it lives in md::MD_ISA; AVX2 only (AVX-512's dot tiles have 32 registers and keep up).
#pragma once
#include "common.h"
#include "vec.h"

#include <cstring>

#if defined(__AVX2__) && !defined(__AVX512F__)
#include <immintrin.h>

namespace md {
namespace MD_ISA {

constexpr int64_t kOuterLanes = 2 * Vec::kLanes;  // rows of x a tile covers
constexpr int kOuterTile = 6;                     // W rows a tile
// Fewer rows of x than this run the dot tiles, which are faster there. bench:ab on a Zen 2 (2
// threads, Qwen2.5-0.5B's weights) against the dot tiles: bf16 9-10 rows 0.83-0.88x, 11 rows
// 1.0-1.05x; float32 (whose 4 x 4 dot blocks spill on AVX2's 16 registers) 5-6 rows 0.70-0.80x,
// 8 rows 0.90-0.99x, 9-11 rows 1.04-1.67x.
template <typename S>
constexpr int64_t kOuterMinRows = sizeof(S) == 2 ? 12 : 9;

// Up to this many rows (batched decoding of 17-64 sequences) a product runs as separate products
// of kOuterLanes rows and a last one of the rest, each reading W again, instead of the packed GEMM,
// which widens and packs all of W for a few row panels.
constexpr int64_t kOuterChunkedMaxRows = 64;

// W value p of a row as a float32 in every lane. bf16: the 32 bits at p hold it in their low half,
// so a 32-bit broadcast shifted left by 16 widens it (and reads w[p + 1]: the last value of a row
// goes through outer_weight_last).
MD_INLINE __m256 outer_weight(const float* w) { return _mm256_broadcast_ss(w); }
MD_INLINE __m256 outer_weight(const uint16_t* w) {
  int32_t bits;
  std::memcpy(&bits, w, sizeof(bits));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_set1_epi32(bits), 16));
}
MD_INLINE __m256 outer_weight_last(const float* w) { return _mm256_broadcast_ss(w); }
MD_INLINE __m256 outer_weight_last(const uint16_t* w) { return _mm256_set1_ps(bf16_to_float(*w)); }

// out[i, r] (+)= Σ_p xt[p, i] · w[r, p] for i < m, r < R: xt [k, kOuterLanes], W rows ldw apart.
template <int R, typename S>
MD_INLINE void outer_tile(const float* xt, const S* w, int64_t ldw, int64_t k, float* out, int64_t ldo, int64_t m,
                          bool accumulate) {
  __m256 acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  auto step = [&](int64_t p, auto weight) {
    const __m256 x0 = _mm256_loadu_ps(xt + p * kOuterLanes), x1 = _mm256_loadu_ps(xt + p * kOuterLanes + 8);
    for (int r = 0; r < R; ++r) {
      const __m256 wv = weight(w + r * ldw + p);
      acc[r][0] = _mm256_fmadd_ps(x0, wv, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x1, wv, acc[r][1]);
    }
  };
  auto weight = [](const S* v) { return outer_weight(v); };
  // Blocks of one 64-byte line of each W row: this tile's rows prefetched 512 bytes ahead, and the
  // next tile's block (contiguous after this one when ldw == k) towards L2 as fast as this one is
  // read. A block's steps are unrolled so that every row is one base register plus an offset (as a
  // loop, GCC stepped R + 1 pointers a step: ~37 instructions for 12 FMAs on a 6-wide core).
  constexpr int64_t kLine = 64 / sizeof(S);  // W values a block
  int64_t p = 0;
  for (; p + kLine < k; p += kLine) {
    for (int r = 0; r < R; ++r) _mm_prefetch(reinterpret_cast<const char*>(w + r * ldw + p) + 512, _MM_HINT_T0);
    const char* next = reinterpret_cast<const char*>(w + R * ldw) + p / kLine * R * 64;
    for (int r = 0; r < R; ++r) _mm_prefetch(next + r * 64, _MM_HINT_T1);
#pragma GCC unroll 8
    for (int u = 0; u < kLine; ++u) step(p + u, weight);
  }
  for (; p + 1 < k; ++p) step(p, weight);
  if (p < k) step(p, [](const S* v) { return outer_weight_last(v); });
  alignas(32) float tile[R][kOuterLanes];
  for (int r = 0; r < R; ++r) {
    _mm256_store_ps(tile[r], acc[r][0]);
    _mm256_store_ps(tile[r] + 8, acc[r][1]);
  }
  for (int64_t i = 0; i < m; ++i)
    for (int r = 0; r < R; ++r) out[i * ldo + r] = accumulate ? out[i * ldo + r] + tile[r][i] : tile[r][i];
}

// Columns [j0, j1) of out [m, ldo]: kOuterTile W rows at a time, then the rest in one tile.
template <typename S>
void outer_columns(const float* xt, const S* w, int64_t ldw, int64_t k, float* out, int64_t ldo, int64_t m,
                   int64_t j0, int64_t j1, bool accumulate) {
  static_assert(kOuterTile == 6, "the switch below covers 1..kOuterTile - 1 rows");
  int64_t j = j0;
  for (; j + kOuterTile <= j1; j += kOuterTile)
    outer_tile<kOuterTile>(xt, w + j * ldw, ldw, k, out + j, ldo, m, accumulate);
  const S* wj = w + j * ldw;
  switch (j1 - j) {
    case 1: outer_tile<1>(xt, wj, ldw, k, out + j, ldo, m, accumulate); break;
    case 2: outer_tile<2>(xt, wj, ldw, k, out + j, ldo, m, accumulate); break;
    case 3: outer_tile<3>(xt, wj, ldw, k, out + j, ldo, m, accumulate); break;
    case 4: outer_tile<4>(xt, wj, ldw, k, out + j, ldo, m, accumulate); break;
    case 5: outer_tile<5>(xt, wj, ldw, k, out + j, ldo, m, accumulate); break;
    default: break;
  }
}

// Columns a task takes: dot_grain's 64 in whole tiles when the product is worth threads, else all.
MD_INLINE int64_t outer_grain(int64_t m, int64_t n, int64_t k) {
  return dot_grain(m, n, k) < n ? 11 * kOuterTile : n;
}

}  // namespace MD_ISA
}  // namespace md
#endif
