// One float32 vector of the table's width, for the dot-product loops (gemm.cc's few-row products,
// bf16.cc's widening ones), the GEMM's packing and attention's key transposes on the two
// instruction sets that have FMA.
// Included by kernel sources after common.h, so it lives in md::MD_ISA like everything there.
#pragma once
#include "common.h"

#if defined(__AVX512F__) || defined(__AVX2__)
namespace md {
namespace MD_ISA {

#if defined(__AVX512F__)
struct Vec {
  using T = __m512;
  static constexpr int64_t kLanes = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  // kLanes bf16 values widened to float32 (a bf16 value is the top half of a float32).
  static T load(const uint16_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  // The first n (< kLanes) values, zeros after them.
  static T load_first(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << n) - 1), p); }
  static T fma(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static float sum(T v) { return _mm512_reduce_add_ps(v); }
  // Each lane rounded to the nearest bfloat16 (ties to even), as round_to_bf16; NaNs stay NaN.
  static T round_bf16(T v) {
    const __m512i u = _mm512_castps_si512(v);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    const __m512i up = _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), lsb);
    const __m512i rounded = _mm512_and_si512(up, _mm512_set1_epi32(static_cast<int>(0xffff0000u)));
    const __mmask16 nan = _mm512_cmpgt_epi32_mask(_mm512_and_si512(u, _mm512_set1_epi32(0x7fffffff)),
                                                  _mm512_set1_epi32(0x7f800000));
    return _mm512_castsi512_ps(_mm512_mask_blend_epi32(nan, rounded, u));
  }
};
#else
struct Vec {
  using T = __m256;
  static constexpr int64_t kLanes = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static T load(const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static T load_first(const float* p, int64_t n) {
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lane));
  }
  static T fma(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static float sum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static T round_bf16(T v) {
    const __m256i u = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
    const __m256i up = _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), lsb);
    const __m256i rounded = _mm256_and_si256(up, _mm256_set1_epi32(static_cast<int>(0xffff0000u)));
    const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)),
                                           _mm256_set1_epi32(0x7f800000));
    return _mm256_castsi256_ps(_mm256_blendv_epi8(rounded, u, nan));
  }
};
#endif

// Vec::load(p) as a load instruction of its own, its vector kept in a register. GCC folds a
// vector that several FMAs use into each of them as a memory operand, one load per FMA where one
// load would do; the empty asm makes the value opaque, so it cannot. Where loads, not FMAs, bound
// a loop, that counts: AVX2's 5 x 2 widening tile made 24 loads a step for 20 FMAs folded and
// makes 14 this way, 64 -> 86-97 GFLOP/s on one Zen 4 thread with its operands in L1.
MD_INLINE Vec::T load_once(const float* p) {
  Vec::T v = Vec::load(p);
  __asm__("" : "+v"(v));
  return v;
}

}  // namespace MD_ISA
}  // namespace md
#endif
