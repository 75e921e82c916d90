// SGEMM: packed, cache-blocked matrix products in the layout of BLIS / Goto & van de Geijn
// ("Anatomy of high-performance matrix multiplication", 2008): B is packed in KC x NR panels
// that stay in L1, A in MR x KC panels of an MC x KC block that stays in L2, and an MR x NR
// register-blocked micro-kernel does the FMAs. Transposed operands are handled by the packing
// (row/column strides), so every layout runs the same micro-kernel. Products with bfloat16
// operands (GemmArgs::bf16) round A and B as they are packed; with AVX512-BF16 the panels hold
// bf16 pairs and a vdpbf16ps micro-kernel multiplies them (twice the multiply-adds per
// instruction), elsewhere the float32 micro-kernel multiplies the rounded values.
#include "common.h"
#include "outer_product.h"
#include "pack_panel.h"
#include "transpose_registers.h"
#include "vec.h"
#include "../cpu_features.h"

#include <type_traits>
#include <utility>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace md {
namespace MD_ISA {
namespace {

#if defined(__AVX512F__)
// 12 x 32: 24 zmm accumulators + 2 for B + broadcasts of A folded into the FMAs.
constexpr int MR = 12, NR = 32;
constexpr int64_t KC = 320, MC = 384, NC = 3072;
#elif defined(__AVX2__)
// 6 x 16: 12 ymm accumulators + 2 for B + 1 broadcast.
constexpr int MR = 6, NR = 16;
constexpr int64_t KC = 256, MC = 144, NC = 3072;
#else
constexpr int MR = 4, NR = 16;
constexpr int64_t KC = 256, MC = 128, NC = 2048;
#endif

// C[MR x NR] (+)= Ap[kc x MR] . Bp[kc x NR]
#if defined(__AVX512F__)
void micro_kernel(int64_t kc, const float* MD_RESTRICT a, const float* MD_RESTRICT b, float* MD_RESTRICT c,
                  int64_t ldc, bool accumulate) {
  __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps();
  __m512 c20 = _mm512_setzero_ps(), c21 = _mm512_setzero_ps(), c30 = _mm512_setzero_ps(), c31 = _mm512_setzero_ps();
  __m512 c40 = _mm512_setzero_ps(), c41 = _mm512_setzero_ps(), c50 = _mm512_setzero_ps(), c51 = _mm512_setzero_ps();
  __m512 c60 = _mm512_setzero_ps(), c61 = _mm512_setzero_ps(), c70 = _mm512_setzero_ps(), c71 = _mm512_setzero_ps();
  __m512 c80 = _mm512_setzero_ps(), c81 = _mm512_setzero_ps(), c90 = _mm512_setzero_ps(), c91 = _mm512_setzero_ps();
  __m512 ca0 = _mm512_setzero_ps(), ca1 = _mm512_setzero_ps(), cb0 = _mm512_setzero_ps(), cb1 = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
    _mm_prefetch(reinterpret_cast<const char*>(b + 8 * NR), _MM_HINT_T0);
    __m512 a0;
#define MD_ROW(i, r0, r1)              \
  a0 = _mm512_set1_ps(a[i]);           \
  r0 = _mm512_fmadd_ps(a0, b0, r0);    \
  r1 = _mm512_fmadd_ps(a0, b1, r1);
    MD_ROW(0, c00, c01) MD_ROW(1, c10, c11) MD_ROW(2, c20, c21) MD_ROW(3, c30, c31)
    MD_ROW(4, c40, c41) MD_ROW(5, c50, c51) MD_ROW(6, c60, c61) MD_ROW(7, c70, c71)
    MD_ROW(8, c80, c81) MD_ROW(9, c90, c91) MD_ROW(10, ca0, ca1) MD_ROW(11, cb0, cb1)
#undef MD_ROW
    a += MR;
    b += NR;
  }
#define MD_STORE(i, r0, r1)                                                     \
  {                                                                             \
    float* row = c + (i) * ldc;                                                 \
    if (accumulate) {                                                           \
      r0 = _mm512_add_ps(r0, _mm512_loadu_ps(row));                             \
      r1 = _mm512_add_ps(r1, _mm512_loadu_ps(row + 16));                        \
    }                                                                           \
    _mm512_storeu_ps(row, r0);                                                  \
    _mm512_storeu_ps(row + 16, r1);                                             \
  }
  MD_STORE(0, c00, c01) MD_STORE(1, c10, c11) MD_STORE(2, c20, c21) MD_STORE(3, c30, c31)
  MD_STORE(4, c40, c41) MD_STORE(5, c50, c51) MD_STORE(6, c60, c61) MD_STORE(7, c70, c71)
  MD_STORE(8, c80, c81) MD_STORE(9, c90, c91) MD_STORE(10, ca0, ca1) MD_STORE(11, cb0, cb1)
#undef MD_STORE
}
#elif defined(__AVX2__)
void micro_kernel(int64_t kc, const float* MD_RESTRICT a, const float* MD_RESTRICT b, float* MD_RESTRICT c,
                  int64_t ldc, bool accumulate) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  // The C tile is read (accumulate) or written only after the k loop. Fetched now, its lines
  // arrive while the FMAs run. On a Zen 3 the C loads had stalled ~13% of a 1024^3 product
  // (perf annotate); with this, 2 threads, the two variants interleaved in one process:
  // 1024^3 1.15x, 512x4864x896 (B transposed) 1.2x, K = 512-4864 shapes 1.05x, K <= 256 level.
  for (int i = 0; i < MR; ++i) {
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + NR - 1), _MM_HINT_T0);
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
    __m256 a0;
#define MD_ROW(i, r0, r1)                \
  a0 = _mm256_broadcast_ss(a + (i));     \
  r0 = _mm256_fmadd_ps(a0, b0, r0);      \
  r1 = _mm256_fmadd_ps(a0, b1, r1);
    MD_ROW(0, c00, c01) MD_ROW(1, c10, c11) MD_ROW(2, c20, c21)
    MD_ROW(3, c30, c31) MD_ROW(4, c40, c41) MD_ROW(5, c50, c51)
#undef MD_ROW
    a += MR;
    b += NR;
  }
#define MD_STORE(i, r0, r1)                                                     \
  {                                                                             \
    float* row = c + (i) * ldc;                                                 \
    if (accumulate) {                                                           \
      r0 = _mm256_add_ps(r0, _mm256_loadu_ps(row));                             \
      r1 = _mm256_add_ps(r1, _mm256_loadu_ps(row + 8));                         \
    }                                                                           \
    _mm256_storeu_ps(row, r0);                                                  \
    _mm256_storeu_ps(row + 8, r1);                                              \
  }
  MD_STORE(0, c00, c01) MD_STORE(1, c10, c11) MD_STORE(2, c20, c21)
  MD_STORE(3, c30, c31) MD_STORE(4, c40, c41) MD_STORE(5, c50, c51)
#undef MD_STORE
}
#else
void micro_kernel(int64_t kc, const float* MD_RESTRICT a, const float* MD_RESTRICT b, float* MD_RESTRICT c,
                  int64_t ldc, bool accumulate) {
  float acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i)
      for (int j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    a += MR;
    b += NR;
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}
#endif

// Packs `extent` lines (rows of A or columns of B) into panels of W lines: for each panel, kc
// groups of W values, one group per k (zero-padded past `extent`). `line_stride` steps between
// lines, `k_stride` along k; when lines are adjacent in memory a group is one contiguous copy.
// The source holds float32 or bf16 values (S = uint16_t, widened as they are packed); with kRound
// each value is rounded to bf16 as it is written (a bf16 product without AVX512-BF16).
template <int W, bool kRound = false, typename S>
void pack_panels(const S* src0, int64_t line_stride, int64_t k_stride, int64_t extent, int64_t kc,
                 float* MD_RESTRICT out) {
  for (int64_t p0 = 0; p0 < extent; p0 += W) {
    int64_t lines = imin(W, extent - p0);
    const S* src = src0 + p0 * line_stride;
#if defined(__AVX512F__) || defined(__AVX2__)
    if (k_stride == 1) {
      pack_panel_k_contiguous<W, kRound>(src, line_stride, lines, kc, out);
      out += W * kc;
      continue;
    }
#endif
    if (lines == W && line_stride == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const S* s = src + k * k_stride;
        for (int i = 0; i < W; ++i) out[k * W + i] = packed_value<kRound>(s[i]);
      }
    } else {
      for (int i = 0; i < W; ++i) {
        if (i < lines) {
          const S* s = src + i * line_stride;
          for (int64_t k = 0; k < kc; ++k) out[k * W + i] = packed_value<kRound>(s[k * k_stride]);
        } else {
          for (int64_t k = 0; k < kc; ++k) out[k * W + i] = 0.0f;
        }
      }
    }
    out += W * kc;
  }
}

// Packed panels of float32 values: what the float32 micro-kernel multiplies. For a bf16 product
// on a CPU without AVX512-BF16 the values are rounded to bf16 as they are packed (a separate
// pass over the packed panels cost 0.5-1.2% of a bf16 product, bench:ab on a Zen 2).
struct F32Panels {
  using T = float;
  // Elements of T per panel line for kc values of k.
  static int64_t depth(int64_t kc) { return kc; }

  // Ap: MR-row panels of A[i0:i0+mc, k0:k0+kc].
  static void pack_a(const GemmArgs& g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* MD_RESTRICT ap) {
    const float* a = g.A + i0 * g.a_rs + k0 * g.a_cs;
    if (g.bf16) pack_panels<MR, true>(a, g.a_rs, g.a_cs, mc, kc, ap);
    else pack_panels<MR>(a, g.a_rs, g.a_cs, mc, kc, ap);
  }

  // Bp: NR-column panels of B[k0:k0+kc, j0:j0+nc] (a bf16 B needs no rounding).
  static void pack_b(const GemmArgs& g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* MD_RESTRICT bp) {
    const int64_t at = k0 * g.b_rs + j0 * g.b_cs;
    if (g.B_bf16) pack_panels<NR>(g.B_bf16 + at, g.b_cs, g.b_rs, nc, kc, bp);
    else if (g.bf16) pack_panels<NR, true>(g.B + at, g.b_cs, g.b_rs, nc, kc, bp);
    else pack_panels<NR>(g.B + at, g.b_cs, g.b_rs, nc, kc, bp);
  }

  static void micro(int64_t kc, const T* a, const T* b, float* c, int64_t ldc, bool accumulate) {
    micro_kernel(kc, a, b, c, ldc, accumulate);
  }
};

#if defined(__AVX512F__)
#define MD_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

// vcvtne2ps2bf16 (hi, lo) gives [lo x 16, hi x 16] in bf16; this permutation of its 16-bit lanes
// makes lane 2j lo's j and lane 2j+1 hi's j: 16 (k, k + 1) pairs, the operand layout of vdpbf16ps.
MD_BF16_TARGET MD_INLINE __m512i pair_up(__m512 lo, __m512 hi) {
  alignas(64) static const uint16_t kInterleave[32] = {0, 16, 1, 17, 2,  18, 3,  19, 4,  20, 5,  21, 6,  22, 7,  23,
                                                       8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31};
  return _mm512_permutexvar_epi16(_mm512_load_si512(kInterleave), (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
}

// Pairs of n (<= 16) lines, zero-padded to 16, stored as the first n pairs at out.
MD_BF16_TARGET MD_INLINE void store_pairs(uint16_t* out, __m512i pairs, int n) {
  _mm512_mask_storeu_epi16(out, static_cast<__mmask32>((uint64_t{1} << (2 * n)) - 1), pairs);
}

// A float32 panel [kc][W] (as pack_panels writes it) as bf16 pairs along k, the operand layout of
// vdpbf16ps: out[p][i] = (bf16(panel[2p][i]), bf16(panel[2p + 1][i])), zero past kc.
template <int W>
MD_BF16_TARGET void to_pairs(const float* MD_RESTRICT panel, int64_t kc, uint16_t* MD_RESTRICT out) {
  for (int64_t p = 0; 2 * p < kc; ++p) {
    const float* row0 = panel + 2 * p * W;
    const bool has_row1 = 2 * p + 1 < kc;
    for (int g = 0; g < W; g += 16) {
      const int n = W - g < 16 ? W - g : 16;
      const __mmask16 lanes = static_cast<__mmask16>((1u << n) - 1);
      const __m512 v0 = _mm512_maskz_loadu_ps(lanes, row0 + g);
      const __m512 v1 = has_row1 ? _mm512_maskz_loadu_ps(lanes, row0 + W + g) : _mm512_setzero_ps();
      store_pairs(out + (p * W + g) * 2, pair_up(v0, v1), n);
    }
  }
}

// One panel of `lines` (<= W) float32 lines contiguous along k (rows of a row-major A, columns of
// a transposed B) straight into bf16 pairs: 16 lines x 16 k transposed in registers (as
// pack_panel_k_contiguous), then rounded and paired 2 k at a time, without the float32 panel
// that pack + to_pairs write and read back. A last kc % 16 values of k go through that panel.
template <int W>
MD_BF16_TARGET void pack_pairs_k_contiguous(const float* src, int64_t line_stride, int64_t lines, int64_t kc,
                                            uint16_t* MD_RESTRICT out) {
  int64_t k = 0;
  for (; k + 16 <= kc; k += 16) {
    for (int g = 0; g < W; g += 16) {
      const int64_t rows = imax(0, imin(16, lines - g));
      __m512 r[16];
      for (int i = 0; i < 16; ++i) r[i] = i < rows ? _mm512_loadu_ps(src + (g + i) * line_stride + k) : _mm512_setzero_ps();
      for (int i = 0; i < rows; ++i) _mm_prefetch(reinterpret_cast<const char*>(src + (g + i) * line_stride + k + 64), _MM_HINT_T0);
      transpose16x16(r);
      const int n = W - g < 16 ? W - g : 16;
      for (int q = 0; q < 8; ++q) store_pairs(out + ((k / 2 + q) * W + g) * 2, pair_up(r[2 * q], r[2 * q + 1]), n);
    }
  }
  if (k < kc) {
    alignas(64) float rest[W * 16];
    pack_panels<W>(src + k, line_stride, 1, lines, kc - k, rest);
    to_pairs<W>(rest, kc - k, out + k * W);
  }
}

// One panel of `lines` (<= W) adjacent float32 lines (line_stride 1: columns of a row-major B,
// rows of a transposed A), k_stride apart along k, straight into bf16 pairs: each pair of k is
// two contiguous runs of lines.
template <int W>
MD_BF16_TARGET void pack_pairs_lines_adjacent(const float* src, int64_t k_stride, int64_t lines, int64_t kc,
                                              uint16_t* MD_RESTRICT out) {
  for (int64_t p = 0; 2 * p < kc; ++p) {
    const float* row0 = src + 2 * p * k_stride;
    const bool has_row1 = 2 * p + 1 < kc;
    for (int g = 0; g < W; g += 16) {
      const int64_t n = imax(0, imin(16, lines - g));
      const __mmask16 lanes = static_cast<__mmask16>((1u << n) - 1);
      const __m512 v0 = _mm512_maskz_loadu_ps(lanes, row0 + g);
      const __m512 v1 = has_row1 ? _mm512_maskz_loadu_ps(lanes, row0 + k_stride + g) : _mm512_setzero_ps();
      store_pairs(out + (p * W + g) * 2, pair_up(v0, v1), W - g < 16 ? W - g : 16);
    }
  }
}

// C[MR x NR] (+)= Ap · Bp over kc values of k held as pairs: 2 vdpbf16ps per row of A and pair,
// each 16 columns x 2 k (products exact, sums in float32, denormals flushed).
MD_BF16_TARGET void micro_kernel_bf16(int64_t kc, const uint16_t* MD_RESTRICT a, const uint16_t* MD_RESTRICT b,
                                      float* MD_RESTRICT c, int64_t ldc, bool accumulate) {
  __m512 acc[MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t p = 0; 2 * p < kc; ++p) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b), b1 = (__m512bh)_mm512_loadu_si512(b + 32);
    _mm_prefetch(reinterpret_cast<const char*>(b + 16 * NR), _MM_HINT_T0);
#pragma GCC unroll 12
    for (int i = 0; i < MR; ++i) {
      int32_t pair;
      std::memcpy(&pair, a + 2 * i, sizeof(pair));
      const __m512bh ai = (__m512bh)_mm512_set1_epi32(pair);
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
    a += 2 * MR;
    b += 2 * NR;
  }
#pragma GCC unroll 12
  for (int i = 0; i < MR; ++i) {
    float* row = c + i * ldc;
    if (accumulate) {
      acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_loadu_ps(row));
      acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_loadu_ps(row + 16));
    }
    _mm512_storeu_ps(row, acc[i][0]);
    _mm512_storeu_ps(row + 16, acc[i][1]);
  }
}

// Packed panels of bf16 pairs along k (AVX512-BF16). float32 operands with k or the lines
// contiguous (every layout the ops use) are rounded into pairs as they are read; others (and bf16
// weights) are packed as float32 a panel at a time, then paired while the panel is in L1. On a
// Zen 5 (bench:ab, 2 threads) the two passes had been ~13% of a 512 x 704 x 256 product's time.
struct Bf16PairPanels {
  using T = uint16_t;
  static int64_t depth(int64_t kc) { return (kc + 1) & ~int64_t{1}; }

  template <int W, typename S>
  static void pack(const S* src, int64_t line_stride, int64_t k_stride, int64_t extent, int64_t kc,
                   T* MD_RESTRICT out) {
    alignas(64) float panel[W * KC];
    for (int64_t p0 = 0; p0 < extent; p0 += W) {
      const int64_t lines = imin(W, extent - p0);
      if constexpr (std::is_same_v<S, float>) {
        if (k_stride == 1) {
          pack_pairs_k_contiguous<W>(src + p0 * line_stride, line_stride, lines, kc, out);
        } else if (line_stride == 1) {
          pack_pairs_lines_adjacent<W>(src + p0, k_stride, lines, kc, out);
        } else {
          pack_panels<W>(src + p0 * line_stride, line_stride, k_stride, lines, kc, panel);
          to_pairs<W>(panel, kc, out);
        }
      } else {
        pack_panels<W>(src + p0 * line_stride, line_stride, k_stride, lines, kc, panel);
        to_pairs<W>(panel, kc, out);
      }
      out += W * depth(kc);
    }
  }

  static void pack_a(const GemmArgs& g, int64_t i0, int64_t mc, int64_t k0, int64_t kc, T* MD_RESTRICT ap) {
    pack<MR>(g.A + i0 * g.a_rs + k0 * g.a_cs, g.a_rs, g.a_cs, mc, kc, ap);
  }

  static void pack_b(const GemmArgs& g, int64_t k0, int64_t kc, int64_t j0, int64_t nc, T* MD_RESTRICT bp) {
    const int64_t at = k0 * g.b_rs + j0 * g.b_cs;
    if (g.B_bf16) pack<NR>(g.B_bf16 + at, g.b_cs, g.b_rs, nc, kc, bp);
    else pack<NR>(g.B + at, g.b_cs, g.b_rs, nc, kc, bp);
  }

  static void micro(int64_t kc, const T* a, const T* b, float* c, int64_t ldc, bool accumulate) {
    micro_kernel_bf16(kc, a, b, c, ldc, accumulate);
  }
};
#endif

// One thread, one C tile: the five loops around the micro-kernel, over panels of kind P
// (F32Panels or Bf16PairPanels). When the caller packed A (or B) once for all threads, pre_a
// (pre_b) holds it: the panels of K block pc start at pc * pad_m (pc * pad_n), laid out as
// P::pack_a (P::pack_b) writes them.
template <class P>
void gemm_blocked(const GemmArgs& g, typename P::T* ap_buf, typename P::T* bp_buf, const typename P::T* pre_a,
                  const typename P::T* pre_b, int64_t pad_m, int64_t pad_n) {
  alignas(64) float edge[MR * NR];
  for (int64_t jc = 0; jc < g.N; jc += NC) {
    int64_t nc = imin(NC, g.N - jc);
    for (int64_t pc = 0; pc < g.K; pc += KC) {
      int64_t kc = imin(KC, g.K - pc), depth = P::depth(kc);
      bool acc = g.accumulate || pc > 0;
      const typename P::T* bp = bp_buf;
      if (pre_b) bp = pre_b + pc * pad_n + jc * depth;
      else P::pack_b(g, pc, kc, jc, nc, bp_buf);
      for (int64_t ic = 0; ic < g.M; ic += MC) {
        int64_t mc = imin(MC, g.M - ic);
        const typename P::T* ap = ap_buf;
        if (pre_a) ap = pre_a + pc * pad_m + ic * depth;
        else P::pack_a(g, ic, mc, pc, kc, ap_buf);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          int64_t nr = imin(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t mr = imin(MR, mc - ir);
            float* c = g.C + (ic + ir) * g.ldc + jc + jr;
            const typename P::T* a = ap + ir * depth;
            const typename P::T* b = bp + jr * depth;
            if (mr == MR && nr == NR) {
              P::micro(kc, a, b, c, g.ldc, acc);
            } else {
              P::micro(kc, a, b, edge, NR, false);
              for (int64_t i = 0; i < mr; ++i)
                for (int64_t j = 0; j < nr; ++j)
                  c[i * g.ldc + j] = acc ? c[i * g.ldc + j] + edge[i * NR + j] : edge[i * NR + j];
            }
          }
        }
      }
    }
  }
}

// Few rows (decoding one token): stream B once instead of packing it.
constexpr int64_t kSmallM = 4;

// Products below kParallelFlops multiply-adds run on the calling thread: waking a worker costs
// more, and on a busy machine a worker that is switched out mid-task would stall the whole loop.
constexpr int64_t kParallelWork = kParallelFlops;

MD_INLINE bool worth_threads(const GemmArgs& g) { return g.M * g.N * g.K >= kParallelWork; }

// A's rows as one contiguous [M, K] block, for the dot-product paths: A itself when it already
// is one, else a copy made in `copy` (sized M * K by the caller when a_rows_contiguous is false).
MD_INLINE bool a_rows_contiguous(const GemmArgs& g) { return g.a_cs == 1 && (g.a_rs == g.K || g.M == 1); }

const float* a_rows(const GemmArgs& g, Scratch& copy) {
  if (a_rows_contiguous(g)) return g.A;
  float* out = copy.get();
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t k = 0; k < g.K; ++k) out[i * g.K + k] = g.A[i * g.a_rs + k * g.a_cs];
  return out;
}

void gemm_small_m(const GemmArgs& g) {
  if (g.b_cs == 1) {
    // B rows contiguous: C[i, j0:j1] = sum_k A(i,k) B[k, j0:j1], a strip of columns per task.
    constexpr int64_t kStrip = 512;
    const int64_t strips = (g.N + kStrip - 1) / kStrip;
    parallel_range(strips, worth_threads(g) ? 1 : strips, [&](int64_t s0, int64_t s1) {
      alignas(64) float acc[kSmallM * kStrip];
      for (int64_t s = s0; s < s1; ++s) {
        int64_t j0 = s * kStrip, w = imin(kStrip, g.N - j0);
        for (int64_t i = 0; i < g.M; ++i)
          for (int64_t j = 0; j < w; ++j) acc[i * kStrip + j] = 0.0f;
        for (int64_t k = 0; k < g.K; ++k) {
          const float* MD_RESTRICT brow = g.B + k * g.b_rs + j0;
          for (int64_t i = 0; i < g.M; ++i) {
            float a = g.A[i * g.a_rs + k * g.a_cs];
            float* MD_RESTRICT arow = acc + i * kStrip;
            for (int64_t j = 0; j < w; ++j) arow[j] += a * brow[j];
          }
        }
        for (int64_t i = 0; i < g.M; ++i) {
          float* c = g.C + i * g.ldc + j0;
          for (int64_t j = 0; j < w; ++j) c[j] = g.accumulate ? c[j] + acc[i * kStrip + j] : acc[i * kStrip + j];
        }
      }
    });
    return;
  }
  // B columns contiguous (a transposed weight): one dot product per output.
  Scratch copy(a_rows_contiguous(g) ? 1 : g.M * g.K);
  const float* ar = a_rows(g, copy);
  parallel_range(g.N, worth_threads(g) ? 64 : g.N, [&](int64_t j0, int64_t j1) {
    for (int64_t j = j0; j < j1; ++j) {
      const float* MD_RESTRICT bcol = g.B + j * g.b_cs;
      for (int64_t i = 0; i < g.M; ++i) {
        const float sum = dot(ar + i * g.K, bcol, g.K);
        float* c = g.C + i * g.ldc + j;
        *c = g.accumulate ? *c + sum : sum;
      }
    }
  });
}

#if defined(__AVX512F__) || defined(__AVX2__)
// Few rows times a transposed weight (B(k, j) = W[j, k], rows of W contiguous): every output is
// a dot product along k, so nothing needs packing. MB rows x JB columns of dot products run at
// once, one vector of k per step: each W load feeds MB FMAs and each A load JB, and the MB x JB
// accumulators are independent chains (at least 8, enough to hide the FMA latency).
constexpr int64_t kDotRows = 16;


template <int MB, int JB>
MD_INLINE void dot_block(const float* a, int64_t K, const float* w, int64_t ldw, float* c, int64_t ldc, bool accumulate) {
  Vec::T acc[MB][JB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) acc[i][j] = Vec::zero();
  auto step = [&](int64_t k, int64_t n) {
    Vec::T wv[JB];
    for (int j = 0; j < JB; ++j) wv[j] = n == Vec::kLanes ? Vec::load(w + j * ldw + k) : Vec::load_first(w + j * ldw + k, n);
    for (int i = 0; i < MB; ++i) {
      const Vec::T av = n == Vec::kLanes ? Vec::load(a + i * K + k) : Vec::load_first(a + i * K + k, n);
      for (int j = 0; j < JB; ++j) acc[i][j] = Vec::fma(av, wv[j], acc[i][j]);
    }
  };
  int64_t k = 0;
  for (; k + Vec::kLanes <= K; k += Vec::kLanes) step(k, Vec::kLanes);
  if (k < K) step(k, K - k);
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) {
      const float sum = Vec::sum(acc[i][j]);
      float* out = c + i * ldc + j;
      *out = accumulate ? *out + sum : sum;
    }
}

// Rows [i0, i0 + MB) x columns [j, j + cols): JB columns at a time, then one.
template <int MB, int JB = (MB <= 2 ? 8 : 4)>
void dot_tile(const GemmArgs& g, const float* a, int64_t i0, int64_t j, int64_t cols) {
  const float* ai = a + i0 * g.K;
  float* ci = g.C + i0 * g.ldc + j;
  const float* w = g.B + j * g.b_cs;
  int64_t c = 0;
  for (; c + JB <= cols; c += JB) dot_block<MB, JB>(ai, g.K, w + c * g.b_cs, g.b_cs, ci + c, g.ldc, g.accumulate);
  for (; c < cols; ++c) dot_block<MB, 1>(ai, g.K, w + c * g.b_cs, g.b_cs, ci + c, g.ldc, g.accumulate);
}

// Up to kDotStreamRows rows (decoding): W's rows one after another, so W is read as one linear
// stream; blocks of 8 W rows read 8 interleaved streams, which the hardware prefetchers follow
// worse once W comes from memory, as it does when a whole model streams through every token. On a
// Zen 4 (2 threads, bench:ab), lm_head's 151936 x 896 float32 W: 1 row 13.8 -> 16.4 GFLOP/s, 2 rows
// 25.5 -> 31.5, 3 rows 34.6 -> 45.6, 4 rows 39.2 -> 47.5; Qwen2.5-0.5B f32 decoding 10.7-12.1 ->
// 14.8-15.4 tokens/s (avx512 table), 11.9-12.7 -> 14.5-15.2 (avx2), alternated. A W that fits in
// L3 (bench:ab repeats one product) reads faster in blocks (down's 896 x 4864, 1 row: 0.6x).
constexpr int64_t kDotStreamRows = 4;

// One row: four accumulators, so the FMA latency does not bound the stream.
MD_INLINE float dot_row(const float* a, const float* w, int64_t K) {
  Vec::T acc0 = Vec::zero(), acc1 = Vec::zero(), acc2 = Vec::zero(), acc3 = Vec::zero();
  int64_t k = 0;
  for (; k + 4 * Vec::kLanes <= K; k += 4 * Vec::kLanes) {
    acc0 = Vec::fma(Vec::load(a + k), Vec::load(w + k), acc0);
    acc1 = Vec::fma(Vec::load(a + k + Vec::kLanes), Vec::load(w + k + Vec::kLanes), acc1);
    acc2 = Vec::fma(Vec::load(a + k + 2 * Vec::kLanes), Vec::load(w + k + 2 * Vec::kLanes), acc2);
    acc3 = Vec::fma(Vec::load(a + k + 3 * Vec::kLanes), Vec::load(w + k + 3 * Vec::kLanes), acc3);
  }
  for (; k + Vec::kLanes <= K; k += Vec::kLanes) acc0 = Vec::fma(Vec::load(a + k), Vec::load(w + k), acc0);
  if (k < K) acc1 = Vec::fma(Vec::load_first(a + k, K - k), Vec::load_first(w + k, K - k), acc1);
  return Vec::sum((acc0 + acc1) + (acc2 + acc3));
}

// Columns [j0, j1) for every row. Up to kDotStreamRows rows: one stream of W. More: 8 columns at
// a time, their 8 W rows staying in L1 while all row groups of A pass, so each W row is read from
// memory once.
void dot_columns(const GemmArgs& g, const float* a, int64_t j0, int64_t j1) {
  static_assert(kDotStreamRows == 4, "the switch below covers 1..kDotStreamRows rows");
  switch (g.M) {
    case 1:
      for (int64_t j = j0; j < j1; ++j) {
        const float sum = dot_row(a, g.B + j * g.b_cs, g.K);
        g.C[j] = g.accumulate ? g.C[j] + sum : sum;
      }
      return;
    case 2: dot_tile<2, 1>(g, a, 0, j0, j1 - j0); return;
    case 3: dot_tile<3, 1>(g, a, 0, j0, j1 - j0); return;
    case 4: dot_tile<4, 1>(g, a, 0, j0, j1 - j0); return;
    default: break;
  }
  for (int64_t j = j0; j < j1; j += 8) {
    const int64_t cols = imin(8, j1 - j);
    for (int64_t i0 = 0; i0 < g.M; i0 += 4) {
      switch (imin(4, g.M - i0)) {
        case 1: dot_tile<1>(g, a, i0, j, cols); break;
        case 2: dot_tile<2>(g, a, i0, j, cols); break;
        case 3: dot_tile<3>(g, a, i0, j, cols); break;
        default: dot_tile<4>(g, a, i0, j, cols); break;
      }
    }
  }
}

#if !defined(__AVX512F__)
// x transposed for the outer-product tiles (kOuterLanes · K floats). Only the JS thread calls the gemm.
GrowingBuffer outer_x_buffer;
#endif

void gemm_dot(const GemmArgs& g) {
  Scratch copy(a_rows_contiguous(g) ? 1 : g.M * g.K);
  const float* a = a_rows(g, copy);
#if !defined(__AVX512F__)
  if (g.M >= kOuterMinRows<float>) {
    // Batched decoding with float32 weights on AVX2, as bf16.cc's (the 4 x 4 dot blocks spill on
    // 16 registers). Zen 2, 2 threads, bench:ab, 16 rows times Qwen2.5-0.5B's q/o, gate/up, down
    // and lm_head weights: 1.77-1.89x, 1.98-2.00x, 1.46-1.68x, 2.14-2.24x.
    float* xt = outer_x_buffer.get(kOuterLanes * g.K);
    pack_panel_k_contiguous<kOuterLanes>(a, g.K, g.M, g.K, xt);  // xt [K, kOuterLanes], rows past M zero
    parallel_range(g.N, outer_grain(g.M, g.N, g.K), [&](int64_t j0, int64_t j1) {
      outer_columns(xt, g.B, g.b_cs, g.K, g.C, g.ldc, g.M, j0, j1, g.accumulate);
    });
    return;
  }
#endif
  parallel_range(g.N, dot_grain(g.M, g.N, g.K), [&](int64_t j0, int64_t j1) { dot_columns(g, a, j0, j1); });
}

#if !defined(__AVX512F__)
// 17 to kOuterChunkedMaxRows rows times a transposed weight: a few-row product per kOuterLanes
// rows. Zen 2, 2 threads, bench:ab --cold 16, Qwen2.5-0.5B's gate/up weight (4864 x 896): 32 rows
// 2.64 -> 1.80 ms, 48 rows 3.17 -> 2.52, 64 rows 3.99 -> 3.22 against the packed GEMM.
void gemm_dot_chunks(const GemmArgs& g) {
  for (int64_t i0 = 0; i0 < g.M; i0 += kOuterLanes) {
    GemmArgs rows = g;
    rows.M = imin(kOuterLanes, g.M - i0);
    rows.A = g.A + i0 * g.a_rs;
    rows.C = g.C + i0 * g.ldc;
    gemm_dot(rows);
  }
}
#endif
#endif

void zero_or_keep(const GemmArgs& g) {
  if (g.accumulate) return;
  for (int64_t i = 0; i < g.M; ++i)
    for (int64_t j = 0; j < g.N; ++j) g.C[i * g.ldc + j] = 0.0f;
}

// Per-thread packing buffers, sized once for the largest blocks (float32; bf16 pairs take half).
struct PackBuffers {
  Scratch a{MC * KC + MR * KC};
  Scratch b{NC * KC + NR * KC};
};

// Per worker thread, reused by every product.
PackBuffers& thread_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

// The operand packed once for all threads (only the JS thread calls the gemm).
GrowingBuffer shared_pack_buffer;

// B moved on by `elements` values, whichever of B and B_bf16 holds it.
void advance_b(GemmArgs& g, int64_t elements) {
  if (g.B_bf16) g.B_bf16 += elements;
  else g.B += elements;
}

// Matrix b of a batched product, its C written densely.
GemmArgs batch_matrix(const BatchedGemmArgs& args, int64_t b) {
  GemmArgs g = args.g;
  g.A = args.g.A + args.a_off[b];
  advance_b(g, args.b_off[b]);
  g.C = args.g.C + b * args.g.M * args.g.N;
  g.ldc = args.g.N;
  return g;
}

// Every matrix of a batched product through the packed, blocked path with panels of kind P.
template <class P>
void gemm_packed(const BatchedGemmArgs& args) {
  using T = typename P::T;
  const GemmArgs& g0 = args.g;
  const int64_t M = g0.M, N = g0.N, K = g0.K, batch = args.batch;
  auto buffers_of = [](PackBuffers& buffers) {
    return std::make_pair(reinterpret_cast<T*>(buffers.a.get()), reinterpret_cast<T*>(buffers.b.get()));
  };
  const int64_t threads = pool_threads();
  if (batch * M * N * K < kParallelWork) {
    auto [ap, bp] = buffers_of(thread_buffers());
    for (int64_t b = 0; b < batch; ++b) gemm_blocked<P>(batch_matrix(args, b), ap, bp, nullptr, nullptr, 0, 0);
    return;
  }
  if (batch >= threads * 2 || threads == 1) {
    // Enough whole matrices (attention heads, small batches): one per task.
    parallel_for(batch, [&](int64_t b) {
      auto [ap, bp] = buffers_of(thread_buffers());
      gemm_blocked<P>(batch_matrix(args, b), ap, bp, nullptr, nullptr, 0, 0);
    });
    return;
  }
  // Each matrix is cut into strips along its longer side (multiples of NR or MR). The operand
  // every strip needs whole is packed once, in parallel, a chunk of K at a time.
  const bool split_n = N >= M;
  const int64_t unit = split_n ? NR : MR, dim = split_n ? N : M;
  const int64_t units = (dim + unit - 1) / unit;
  // Every strip reads the whole shared operand (from L3 once it outgrows L2), so strips are
  // wide: two per thread (the second lets dynamic scheduling even out a thread the OS switches
  // out), each at least 4 units. Measured on 2 threads: 8 strips per thread instead of 2 cost
  // 10-15% on the Qwen2.5-0.5B down and q/o shapes. Strip s covers units
  // [s * units / splits, (s + 1) * units / splits): sizes differ by one unit at most.
  const int64_t splits = imax(1, imin(units / 4, threads * 2));
  auto strip_start = [&](int64_t s) { return imin(dim, s * units / splits * unit); };
  const int64_t pad_m = (M + MR - 1) / MR * MR, pad_n = (N + NR - 1) / NR * NR;
  constexpr int64_t kChunk = KC * 16;
  T* const shared_pack = reinterpret_cast<T*>(shared_pack_buffer.get((split_n ? pad_m : pad_n) * imin(K, kChunk)));
  for (int64_t b = 0; b < batch; ++b) {
    const GemmArgs whole = batch_matrix(args, b);
    for (int64_t k0 = 0; k0 < K; k0 += kChunk) {
      GemmArgs sub = whole;
      sub.K = imin(kChunk, K - k0);
      sub.A += k0 * whole.a_cs;
      advance_b(sub, k0 * whole.b_rs);
      sub.accumulate = whole.accumulate || k0 > 0;
      const int64_t kblocks = (sub.K + KC - 1) / KC;
      // Pack the shared operand: one task per (K block, group of panels).
      const int64_t panels = split_n ? pad_m / MR : pad_n / NR;
      const int64_t group = imax(1, panels / (threads * 2));
      const int64_t groups = (panels + group - 1) / group;
      parallel_for(kblocks * groups, [&](int64_t task) {
        const int64_t pc = (task / groups) * KC, kc = imin(KC, sub.K - pc);
        const int64_t p0 = (task % groups) * group, p1 = imin(panels, p0 + group);
        if (split_n) {
          const int64_t i0 = p0 * MR, rows = imin(M, p1 * MR) - i0;
          if (rows > 0) P::pack_a(sub, i0, rows, pc, kc, shared_pack + pc * pad_m + i0 * P::depth(kc));
        } else {
          const int64_t j0 = p0 * NR, cols = imin(N, p1 * NR) - j0;
          if (cols > 0) P::pack_b(sub, pc, kc, j0, cols, shared_pack + pc * pad_n + j0 * P::depth(kc));
        }
      });
      parallel_for(splits, [&](int64_t s) {
        auto [ap, bp] = buffers_of(thread_buffers());
        const int64_t lo = strip_start(s), hi = strip_start(s + 1);
        if (lo >= hi) return;
        GemmArgs g = sub;
        if (split_n) {
          advance_b(g, lo * g.b_cs);
          g.C += lo;
          g.N = hi - lo;
          gemm_blocked<P>(g, ap, bp, shared_pack, nullptr, pad_m, 0);
        } else {
          g.A += lo * g.a_rs;
          g.C += lo * g.ldc;
          g.M = hi - lo;
          gemm_blocked<P>(g, ap, bp, nullptr, shared_pack, 0, pad_n);
        }
      });
    }
  }
}

void gemm_batched(const BatchedGemmArgs& args) {
  const GemmArgs& g0 = args.g;
  const int64_t M = g0.M, N = g0.N, K = g0.K, batch = args.batch;
  if (M == 0 || N == 0 || batch == 0) return;
  if (K == 0) {
    for (int64_t b = 0; b < batch; ++b) zero_or_keep(batch_matrix(args, b));
    return;
  }
  if (g0.bf16 || g0.B_bf16) {
    // Every bf16 product is packed: the packing rounds (or widens) the operands.
#if defined(__AVX512F__)
    if (cpu_has_avx512_bf16()) return gemm_packed<Bf16PairPanels>(args);
#endif
    return gemm_packed<F32Panels>(args);
  }
#if defined(__AVX512F__) || defined(__AVX2__)
  if (M <= kDotRows && g0.b_rs == 1) {
    for (int64_t b = 0; b < batch; ++b) gemm_dot(batch_matrix(args, b));
    return;
  }
#endif
#if defined(__AVX2__) && !defined(__AVX512F__)
  if (M <= kOuterChunkedMaxRows && g0.b_rs == 1) {
    for (int64_t b = 0; b < batch; ++b) gemm_dot_chunks(batch_matrix(args, b));
    return;
  }
#endif
  if (M <= kSmallM && (g0.b_cs == 1 || g0.b_rs == 1)) {
    for (int64_t b = 0; b < batch; ++b) gemm_small_m(batch_matrix(args, b));
    return;
  }
  gemm_packed<F32Panels>(args);
}

}  // namespace

void register_gemm(Kernels& k) { k.gemm_batched = gemm_batched; }

}  // namespace MD_ISA
}  // namespace md
