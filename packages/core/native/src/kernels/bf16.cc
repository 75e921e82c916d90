// Products and look-ups with bfloat16 weights (inference only): out = x · Wᵀ with x float32 and W
// bf16, and an embedding gather from a bf16 table. A bf16 value is the top 16 bits of a float32, so
// widening is a 16-bit shift; every sum is accumulated in float32.
//
// Decoding (up to kDotRows rows, the case that decides tokens/s) is memory-bound on W: each W row
// is read once, as half the bytes of a float32 weight. AVX-512 machines with AVX512-BF16 multiply
// with vdpbf16ps (x rounded to bf16 once per call, 32 products per instruction); the AVX-512 and
// AVX2 tables without it widen W to float32 in registers and use FMAs with x split into even and
// odd positions once per call (12-16 rows on AVX2: outer products, x transposed once per call);
// the generic table is scalar. More rows (a prefill) run the packed
// GEMM with W widened as its panels are packed (its bf16 kernel where the CPU has AVX512-BF16, so
// x is rounded to bf16 there as in decoding).
#include "common.h"
#include "outer_product.h"
#include "pack_panel.h"
#include "vec.h"
#include "../cpu_features.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace md {
namespace MD_ISA {
namespace {

constexpr int64_t kDotRows = 16;  // up to this many rows of x: dot products, no packing

// out [m, n] columns [j0, j1) += bias [n] on every row, after the products (as x·Wᵀ then + b).
void add_bias(const float* bias, float* out, int64_t m, int64_t n, int64_t j0, int64_t j1) {
  if (bias == nullptr) return;
  for (int64_t i = 0; i < m; ++i) {
    float* MD_RESTRICT o = out + i * n;
    for (int64_t j = j0; j < j1; ++j) o[j] += bias[j];
  }
}

#if defined(__AVX512F__) || defined(__AVX2__)
// W rows [j0, j1) (contiguous) towards L2, a line at a time. The few-row products below take W in
// blocks of 8 rows, each read from memory by the first group of x rows and from cache by the rest;
// the first group's two to four interleaved streams are more than the hardware prefetcher keeps
// ahead of, so the next block is asked for while this one is multiplied. On a Zen 4 (2 threads,
// bench:ab, k = 896, m = 8 and 16): 1.04-1.15x with vdpbf16ps, 1.07-1.13x on the AVX-512 widening
// path, 1.04-1.05x on AVX2; down's k = 4864 unchanged (0.99-1.01x).
MD_INLINE void prefetch_columns(const uint16_t* w, int64_t k, int64_t j0, int64_t j1) {
  const char* first = reinterpret_cast<const char*>(w + j0 * k);
  const int64_t bytes = (j1 - j0) * k * static_cast<int64_t>(sizeof(uint16_t));
  for (int64_t off = 0; off < bytes; off += 64) _mm_prefetch(first + off, _MM_HINT_T1);
}

// The widening dot products: MB rows of x x JB rows of W. A bf16 value is the top half of a
// float32, so a vector of 2·kLanes bf16 values is two float32 vectors without a shuffle: shifted
// left by 16 bits it holds the values at even positions, masked to its top halves those at odd
// positions. x is split the same way once per call (split_pairs), so each step reads one vector
// of W and multiplies it with two of x; a widening load (vpmovzxwd) instead ran on the shuffle
// port and kept the AVX2 table compute-bound at ~28 GB/s on the MLP's weights.
#if defined(__AVX512F__)
struct Bf16Vec : Vec {
  using Bits = __m512i;
  static Bits load_bits(const uint16_t* p) { return _mm512_loadu_si512(p); }
  static T even(Bits v) { return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16)); }
  static T odd(Bits v) { return _mm512_castsi512_ps(_mm512_and_si512(v, _mm512_set1_epi32(~0xffff))); }
  static T widen_first(const uint16_t* p, int64_t n) {
    const __m256i h = _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << n) - 1), p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
};
#else
struct Bf16Vec : Vec {
  using Bits = __m256i;
  static Bits load_bits(const uint16_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static T even(Bits v) { return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)); }
  static T odd(Bits v) { return _mm256_castsi256_ps(_mm256_and_si256(v, _mm256_set1_epi32(~0xffff))); }
  static T widen_first(const uint16_t* p, int64_t n) {
    alignas(16) uint16_t tail[8] = {};
    std::memcpy(tail, p, static_cast<size_t>(n) * sizeof(uint16_t));
    return load(tail);
  }
};
#endif

constexpr int64_t kPairBlock = 2 * Vec::kLanes;  // the values one split step covers

// x [m, k] -> xs [m, k]: each whole block of kPairBlock values as its even positions, then its
// odd ones; the last k % kPairBlock values of a row as they are.
void split_pairs(const float* x, float* xs, int64_t m, int64_t k) {
  const int64_t whole = k - k % kPairBlock;
  for (int64_t i = 0; i < m; ++i) {
    const float* MD_RESTRICT src = x + i * k;
    float* MD_RESTRICT dst = xs + i * k;
    for (int64_t p = 0; p < whole; p += kPairBlock)
      for (int64_t u = 0; u < Vec::kLanes; ++u) {
        dst[p + u] = src[p + 2 * u];
        dst[p + Vec::kLanes + u] = src[p + 2 * u + 1];
      }
    for (int64_t p = whole; p < k; ++p) dst[p] = src[p];
  }
}

// out[i, j] for i < MB, j < JB; xs rows [MB, k] split by split_pairs, w rows [JB, k] contiguous.
// One row of x (MB = 1, decoding) loads its two vectors for each W row, which needs 3 registers
// besides the accumulators. More rows widen all JB W vectors first and then load each row's two
// vectors once: MB·JB accumulators + 2·JB + 2 registers (widen_tile keeps that within the ISA's).
template <int MB, int JB>
MD_INLINE void widen_block(const float* xs, const uint16_t* w, int64_t k, float* out, int64_t ldo) {
  Vec::T acc[MB][JB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) acc[i][j] = Vec::zero();
  int64_t p = 0;
  for (; p + kPairBlock <= k; p += kPairBlock) {
    if constexpr (MB == 1) {
      for (int j = 0; j < JB; ++j) {
        const Bf16Vec::Bits bits = Bf16Vec::load_bits(w + j * k + p);
        if constexpr (JB > 1) _mm_prefetch(reinterpret_cast<const char*>(w + (JB + j) * k + p), _MM_HINT_T0);
        acc[0][j] = Vec::fma(Vec::load(xs + p), Bf16Vec::even(bits), acc[0][j]);
        acc[0][j] = Vec::fma(Vec::load(xs + p + Vec::kLanes), Bf16Vec::odd(bits), acc[0][j]);
      }
    } else {
      Vec::T even[JB], odd[JB];
      for (int j = 0; j < JB; ++j) {
        const Bf16Vec::Bits bits = Bf16Vec::load_bits(w + j * k + p);
        if constexpr (JB > 1) _mm_prefetch(reinterpret_cast<const char*>(w + (JB + j) * k + p), _MM_HINT_T0);
        even[j] = Bf16Vec::even(bits);
        odd[j] = Bf16Vec::odd(bits);
      }
      for (int i = 0; i < MB; ++i) {
        const Vec::T xe = load_once(xs + i * k + p);
        for (int j = 0; j < JB; ++j) acc[i][j] = Vec::fma(xe, even[j], acc[i][j]);
        const Vec::T xo = load_once(xs + i * k + p + Vec::kLanes);
        for (int j = 0; j < JB; ++j) acc[i][j] = Vec::fma(xo, odd[j], acc[i][j]);
      }
    }
  }
  for (; p + Vec::kLanes <= k; p += Vec::kLanes)
    for (int j = 0; j < JB; ++j) {
      const Vec::T wv = Vec::load(w + j * k + p);
      for (int i = 0; i < MB; ++i) acc[i][j] = Vec::fma(Vec::load(xs + i * k + p), wv, acc[i][j]);
    }
  if (p < k) {
    const int64_t n = k - p;
    for (int j = 0; j < JB; ++j) {
      const Vec::T wv = Bf16Vec::widen_first(w + j * k + p, n);
      for (int i = 0; i < MB; ++i) acc[i][j] = Vec::fma(Vec::load_first(xs + i * k + p, n), wv, acc[i][j]);
    }
  }
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) out[i * ldo + j] = Vec::sum(acc[i][j]);
}

// W rows per block for MB rows of x: the most (1, 2, 4 or 8: widen_columns takes 8 at a time)
// that fit the vector registers (16 on AVX2, 32 on AVX-512) by widen_block's count: MB·JB
// accumulators, JB even and JB odd W vectors, one x vector (load_once) and the odd mask. With 4x4
// accumulators, AVX2 spilled and 16 rows ran at ~108 GFLOP/s, half its FMA rate.
constexpr int widen_block_registers(int mb, int jb) { return mb * jb + 2 * jb + 2; }

template <int MB>
constexpr int widen_columns_per_block() {
  if (MB == 1) return 8;
  const int registers = Vec::kLanes == 16 ? 32 : 16;
  int jb = 1;
  while (jb < 8 && widen_block_registers(MB, 2 * jb) <= registers) jb *= 2;
  return jb;
}

// One row of x (batch-1 decoding): W's rows one after another, so W is read as one
// linear stream with a software prefetch kStreamAhead bytes ahead (each step reads one 64-byte
// line), and four accumulators hide the FMA latency. Eight W rows at a time (8 interleaved
// streams, each prefetched one block ahead) read Qwen2.5-0.5B's 988 MB of bf16 weights at 11.9
// GB/s on a Zen 3 EPYC (2 threads, mean of 5-6 medians, .tmp microbenchmark); this reads them at
// 13.8 (prefetch 512 B: 13.2, 768: 13.7, 2048: 12.7, 4096: 13.1; read ceiling 15.6-18 GB/s).
// AVX-512 without AVX512-BF16 (MIXDISTILL_ISA=avx512 on a Zen 4) reads lm_head's W at 25.0 GB/s
// in 8-row blocks and 30.5 this way.
constexpr int64_t kStreamAhead = 1024;

MD_INLINE void widen_row(const float* xs, const uint16_t* w, int64_t k, float* out) {
  Vec::T acc0 = Vec::zero(), acc1 = Vec::zero(), acc2 = Vec::zero(), acc3 = Vec::zero();
  int64_t p = 0;
  for (; p + 2 * kPairBlock <= k; p += 2 * kPairBlock) {
    const Bf16Vec::Bits first = Bf16Vec::load_bits(w + p), second = Bf16Vec::load_bits(w + p + kPairBlock);
    _mm_prefetch(reinterpret_cast<const char*>(w + p) + kStreamAhead, _MM_HINT_T0);
    acc0 = Vec::fma(Vec::load(xs + p), Bf16Vec::even(first), acc0);
    acc1 = Vec::fma(Vec::load(xs + p + Vec::kLanes), Bf16Vec::odd(first), acc1);
    acc2 = Vec::fma(Vec::load(xs + p + kPairBlock), Bf16Vec::even(second), acc2);
    acc3 = Vec::fma(Vec::load(xs + p + kPairBlock + Vec::kLanes), Bf16Vec::odd(second), acc3);
  }
  float rest = 0.0f;  // the last k % (2·kPairBlock) values, split the same way
  widen_block<1, 1>(xs + p, w + p, k - p, &rest, 1);
  *out = Vec::sum((acc0 + acc1) + (acc2 + acc3)) + rest;
}

// Columns [j0, j1) for MB rows of x: JB W rows at a time (by default the most that fit the
// registers), then one.
template <int MB, int JB = widen_columns_per_block<MB>()>
void widen_tile(const float* xs, const uint16_t* w, int64_t k, int64_t j0, int64_t j1, float* out, int64_t n) {
  int64_t j = j0;
  for (; j + JB <= j1; j += JB) widen_block<MB, JB>(xs, w + j * k, k, out + j, n);
  for (; j < j1; ++j) widen_block<MB, 1>(xs, w + j * k, k, out + j, n);
}

// Up to kWidenStreamRows rows of x (decoding): W's rows one after another, so W is read as one
// linear stream and every row of x meets each W vector as it passes. Blocks of W rows read that
// many interleaved streams, which the hardware prefetchers follow worse: on a Zen 4 (2 threads,
// bench:ab, lm_head's 151936 x 896) 2 rows of x read W at 21.3 -> 30.9 GB/s (AVX-512) and 19.7 ->
// 29.8 (AVX2), 3 rows at 18.2 -> 27.9 and 18.3 -> 22.8; 4 rows went either way (AVX-512: 18.9 ->
// 21.6 in one run, 16.4 -> 14.4 in another; AVX2 unchanged) and 6 rows were slower (16.2 -> 13.3,
// 17.9 -> 12.7): widening then costs more than the blocks' shared W vectors save.
constexpr int64_t kWidenStreamRows = 3;

// Rows of x per group. A group's MB·JB accumulators each take two dependent FMAs a step, so with
// fewer than 8 of them the FMA units wait (latency 4, two units), and every FMA needs a load of x
// or W unless a vector serves several. AVX2's 16 registers hold 5 rows x 2 W rows: 10 accumulators,
// 20 FMAs a step for 2 W loads and 10 x loads. 8 rows x 1 W row, the choice before x was loaded
// once (load_once), needs a load per FMA, which bounds a Zen 4 core at ~85% of its FMA rate and in
// practice ran lower. Zen 4, m = 16, bench:ab against 8 x 1: one thread gate 1.34x, q 1.33x,
// lm_head 1.36x, down (k = 4864) 1.07x; two threads 1.25-1.31x and 1.06x; AVX2 batch-16 decoding
// of Qwen2.5-0.5B, alternated: 73.9 / 80.9 / 70.5 -> 89.9 / 106.3 / 99.1 tokens/s (AVX2's 12-16
// rows have since moved to outer_product.h's tiles). Before load_once, 4 x 3 and 6 x 2 (which
// spills) ran slower than 5 x 2; after it, 16 rows as four groups of 4 instead of 5 + 5 + 5 + 1
// ran 0.92-1.0x. AVX-512 keeps 4 rows x 4 W rows: 8 x 2 ran at 150-171 GFLOP/s against 222-290.
constexpr int64_t kWidenGroupRows = Vec::kLanes == 8 ? 5 : 4;

// Columns [j0, j1) of out [m, n], m <= kDotRows, xs split by split_pairs. Up to kWidenStreamRows
// rows: one stream of W; more: 8 W rows at a time stay in L1 while every group of rows of x
// passes, so W is read from memory once.
void widen_columns(const float* xs, const uint16_t* w, float* out, int64_t m, int64_t n, int64_t k, int64_t j0,
                   int64_t j1) {
  static_assert(kWidenStreamRows == 3, "the switch below covers 1..kWidenStreamRows rows");
  switch (m) {
    case 1:
      for (int64_t j = j0; j < j1; ++j) widen_row(xs, w + j * k, k, out + j);
      return;
    case 2: widen_tile<2, 1>(xs, w, k, j0, j1, out, n); return;
    case 3: widen_tile<3, 1>(xs, w, k, j0, j1, out, n); return;
    default: break;
  }
  static_assert(kWidenGroupRows <= 5, "the switch below covers 1..kWidenGroupRows rows");
  for (int64_t j = j0; j < j1; j += 8) {
    const int64_t je = imin(j1, j + 8);
    prefetch_columns(w, k, je, imin(j1, je + 8));
    for (int64_t i0 = 0; i0 < m; i0 += kWidenGroupRows) {
      const float* xi = xs + i0 * k;
      float* oi = out + i0 * n;
      switch (imin(kWidenGroupRows, m - i0)) {
        case 1: widen_tile<1>(xi, w, k, j, je, oi, n); break;
        case 2: widen_tile<2>(xi, w, k, j, je, oi, n); break;
        case 3: widen_tile<3>(xi, w, k, j, je, oi, n); break;
        case 4: widen_tile<4>(xi, w, k, j, je, oi, n); break;
        default: widen_tile<kWidenGroupRows>(xi, w, k, j, je, oi, n); break;
      }
    }
  }
}

#if !defined(__AVX512F__)
// Batched decoding on AVX2 (kOuterMinRows to 16 rows of x), in outer_product.h's tiles: x
// transposed into xt (kOuterLanes · k floats), then the columns in tasks of whole tiles.
void matmul_outer(const float* x, const uint16_t* w, const float* bias, float* out, int64_t m, int64_t n, int64_t k,
                  float* xt) {
  pack_panel_k_contiguous<kOuterLanes>(x, k, m, k, xt);  // xt [k, kOuterLanes], rows past m zero
  parallel_range(n, outer_grain(m, n, k), [&](int64_t j0, int64_t j1) {
    outer_columns(xt, w, k, k, out, n, m, j0, j1, false);
    add_bias(bias, out, m, n, j0, j1);
  });
}
#endif
#else
// Generic: one dot product at a time (common.h's dot: 16 partial sums, so the loop vectorises).
void widen_columns(const float* x, const uint16_t* w, float* out, int64_t m, int64_t n, int64_t k, int64_t j0,
                   int64_t j1) {
  for (int64_t j = j0; j < j1; ++j)
    for (int64_t i = 0; i < m; ++i) out[i * n + j] = dot(x + i * k, w + j * k, k);
}
#endif

#if defined(__AVX512F__)
// AVX512-BF16: vdpbf16ps adds the products of 16 bf16 pairs of x and W to 16 float32 lanes
// (products exact, sums rounded to float32, denormals flushed). x is rounded to bf16 (nearest
// even) once per call, so the result is that of bf16(x) · W.
#define MD_BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

template <int MB, int JB>
MD_BF16_TARGET inline void dp_block(const uint16_t* x, const uint16_t* w, int64_t k, float* out, int64_t ldo) {
  __m512 acc[MB][JB];
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) acc[i][j] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 32 <= k; p += 32) {
    __m512bh wv[JB];
    for (int j = 0; j < JB; ++j) {
      wv[j] = (__m512bh)_mm512_loadu_si512(w + j * k + p);
      if constexpr (JB > 1) _mm_prefetch(reinterpret_cast<const char*>(w + (JB + j) * k + p), _MM_HINT_T0);
    }
    for (int i = 0; i < MB; ++i) {
      const __m512bh xv = (__m512bh)_mm512_loadu_si512(x + i * k + p);
      for (int j = 0; j < JB; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
    }
  }
  if (p < k) {
    const __mmask32 mask = static_cast<__mmask32>((uint64_t{1} << (k - p)) - 1);
    __m512bh wv[JB];
    for (int j = 0; j < JB; ++j) wv[j] = (__m512bh)_mm512_maskz_loadu_epi16(mask, w + j * k + p);
    for (int i = 0; i < MB; ++i) {
      const __m512bh xv = (__m512bh)_mm512_maskz_loadu_epi16(mask, x + i * k + p);
      for (int j = 0; j < JB; ++j) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], xv, wv[j]);
    }
  }
  for (int i = 0; i < MB; ++i)
    for (int j = 0; j < JB; ++j) out[i * ldo + j] = _mm512_reduce_add_ps(acc[i][j]);
}

// Columns [j0, j1) for MB rows of x: JB W rows at a time, then one.
template <int MB, int JB = (MB <= 2 ? 8 : 4)>
MD_BF16_TARGET void dp_tile(const uint16_t* x, const uint16_t* w, int64_t k, int64_t j0, int64_t j1, float* out,
                            int64_t n) {
  int64_t j = j0;
  for (; j + JB <= j1; j += JB) dp_block<MB, JB>(x, w + j * k, k, out + j, n);
  for (; j < j1; ++j) dp_block<MB, 1>(x, w + j * k, k, out + j, n);
}

// Up to kDpStreamRows rows of x: W's rows one after another, one linear stream (see kWidenStreamRows).
// On a Zen 4 (2 threads, bench:ab, lm_head's 151936 x 896) one row read W at 22.3 -> 31.8 GB/s,
// the machine's read rate (27-34 GB/s), and 4 rows at 19.5 -> 29.9; 6 rows of q's 4864 x 896 at
// 15.5 -> 21.5; from 8 rows on the blocks' shared W vectors win (8 rows: 15.7 -> 16.1, 16: 11.1
// -> 7.5). The prefetch of the next block's rows only helps blocks: one stream is followed by the
// hardware. Each (row, column) still sums in one accumulator front to back, as the blocks do, so
// a row's result does not depend on how many rows are decoded with it.
constexpr int64_t kDpStreamRows = 7;

MD_BF16_TARGET void dp_columns(const uint16_t* x, const uint16_t* w, float* out, int64_t m, int64_t n, int64_t k,
                               int64_t j0, int64_t j1) {
  static_assert(kDpStreamRows == 7, "the switch below covers 1..kDpStreamRows rows");
  switch (m) {
    case 1: dp_tile<1, 1>(x, w, k, j0, j1, out, n); return;
    case 2: dp_tile<2, 1>(x, w, k, j0, j1, out, n); return;
    case 3: dp_tile<3, 1>(x, w, k, j0, j1, out, n); return;
    case 4: dp_tile<4, 1>(x, w, k, j0, j1, out, n); return;
    case 5: dp_tile<5, 1>(x, w, k, j0, j1, out, n); return;
    case 6: dp_tile<6, 1>(x, w, k, j0, j1, out, n); return;
    case 7: dp_tile<7, 1>(x, w, k, j0, j1, out, n); return;
    default: break;
  }
  for (int64_t j = j0; j < j1; j += 8) {
    const int64_t je = imin(j1, j + 8);
    prefetch_columns(w, k, je, imin(j1, je + 8));
    for (int64_t i0 = 0; i0 < m; i0 += 4) {
      const uint16_t* xi = x + i0 * k;
      float* oi = out + i0 * n;
      switch (imin(4, m - i0)) {
        case 1: dp_tile<1>(xi, w, k, j, je, oi, n); break;
        case 2: dp_tile<2>(xi, w, k, j, je, oi, n); break;
        case 3: dp_tile<3>(xi, w, k, j, je, oi, n); break;
        default: dp_tile<4>(xi, w, k, j, je, oi, n); break;
      }
    }
  }
}

// x [count] float32 -> bf16, round to nearest even (vcvtne2ps2bf16), count even.
MD_BF16_TARGET void round_to_bf16(const float* x, uint16_t* out, int64_t count) {
  int64_t p = 0;
  for (; p + 32 <= count; p += 32)
    _mm512_storeu_si512(out + p, (__m512i)_mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + p + 16), _mm512_loadu_ps(x + p)));
  for (; p < count; p += 2) {
    const __m128bh pair = _mm_cvtneps_pbh(_mm_setr_ps(x[p], x[p + 1], 0.0f, 0.0f));
    std::memcpy(out + p, &pair, 2 * sizeof(uint16_t));
  }
}

// The x rows in bf16, kept between calls (only the JS thread calls the kernel).
GrowingBuffer x_bf16_buffer;

void matmul_dp(const float* x, const uint16_t* w, const float* bias, float* out, int64_t m, int64_t n, int64_t k) {
  uint16_t* xb = reinterpret_cast<uint16_t*>(x_bf16_buffer.get((m * k + 1) / 2));
  round_to_bf16(x, xb, m * k);
  parallel_range(n, dot_grain(m, n, k), [&](int64_t j0, int64_t j1) {
    dp_columns(xb, w, out, m, n, k, j0, j1);
    add_bias(bias, out, m, n, j0, j1);
  });
}
#endif

#if defined(__AVX512F__) || defined(__AVX2__)
// x rearranged for the widening products: split by split_pairs (dot products) or transposed by
// pack_panel_k_contiguous (AVX2's outer products). Only the JS thread calls the kernel.
GrowingBuffer x_layout_buffer;
#endif

// More rows than a decode step: the packed GEMM x · Wᵀ, W widened to float32 as its panels are
// packed (GemmArgs::B_bf16), so W is never decoded whole. With bf16_operands the GEMM multiplies
// bf16 operands (x rounded, W exact): the vdpbf16ps kernel, and the decode path's semantics on a
// CPU with AVX512-BF16.
void matmul_packed(const float* x, const uint16_t* w, const float* bias, float* out, int64_t m, int64_t n, int64_t k,
                   bool bf16_operands) {
  const int64_t zero = 0;
  BatchedGemmArgs args{};
  args.g = GemmArgs{m, n, k, x, k, 1, nullptr, 1, k, out, n, false, bf16_operands, w};
  args.batch = 1;
  args.a_off = &zero;
  args.b_off = &zero;
  kernels().gemm_batched(args);
  add_bias(bias, out, m, n, 0, n);
}

// out [m, n] = x [m, k] · W [n, k]ᵀ (+ bias [n] on every row when bias is not null).
void matmul_bf16(const float* x, const uint16_t* w, const float* bias, float* out, int64_t m, int64_t n, int64_t k) {
  if (m == 0 || n == 0) return;
#if defined(__AVX512F__)
  const bool dp = cpu_has_avx512_bf16();
#else
  const bool dp = false;
#endif
#if defined(__AVX2__) && !defined(__AVX512F__)
  if (m > kDotRows && m <= kOuterChunkedMaxRows) {
    // Batched decoding of 17-64 sequences: a product per kOuterLanes rows, as gemm.cc's float32
    // ones (Zen 2, bench:ab --cold 16, gate/up's 4864 x 896 bf16 W: 32 rows 2.52 -> 1.88 ms, 48 rows
    // 3.08 -> 2.69).
    for (int64_t i0 = 0; i0 < m; i0 += kOuterLanes)
      matmul_bf16(x + i0 * k, w, bias, out + i0 * n, imin(kOuterLanes, m - i0), n, k);
    return;
  }
#endif
  if (m > kDotRows) {
    matmul_packed(x, w, bias, out, m, n, k, dp);
    return;
  }
#if defined(__AVX512F__)
  if (dp) {
    matmul_dp(x, w, bias, out, m, n, k);
    return;
  }
#endif
#if defined(__AVX2__) && !defined(__AVX512F__)
  if (m >= kOuterMinRows<uint16_t>) {
    matmul_outer(x, w, bias, out, m, n, k, x_layout_buffer.get(kOuterLanes * k));
    return;
  }
#endif
#if defined(__AVX512F__) || defined(__AVX2__)
  float* xs = x_layout_buffer.get(m * k);
  split_pairs(x, xs, m, k);
#else
  const float* xs = x;
#endif
  parallel_range(n, dot_grain(m, n, k), [&](int64_t j0, int64_t j1) {
    widen_columns(xs, w, out, m, n, k, j0, j1);
    add_bias(bias, out, m, n, j0, j1);
  });
}

// out [n_idx, h] = table[idx[i], :] widened; ids outside [0, rows) give zero rows.
void gather_bf16(const uint16_t* table, const int32_t* idx, float* out, int64_t rows, int64_t h, int64_t n_idx) {
  for (int64_t i = 0; i < n_idx; ++i) {
    float* MD_RESTRICT dst = out + i * h;
    if (idx[i] < 0 || idx[i] >= rows) {
      for (int64_t c = 0; c < h; ++c) dst[c] = 0.0f;
      continue;
    }
    const uint16_t* MD_RESTRICT src = table + idx[i] * h;
    for (int64_t c = 0; c < h; ++c) dst[c] = bf16_to_float(src[c]);
  }
}

}  // namespace

void register_bf16(Kernels& k) {
  k.matmul_bf16 = matmul_bf16;
  k.gather_bf16 = gather_bf16;
}

}  // namespace MD_ISA
}  // namespace md
