// Shared by every kernel source. Each kernel source is compiled three times, with -DMD_ISA set
// to generic, avx2 or avx512 and the matching -m flags, so everything here lives in namespace
// md::MD_ISA and no inline function is shared between instruction sets.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "../kernels.h"
#include "../thread_pool.h"

#ifndef MD_ISA
#error "compile kernel sources with -DMD_ISA=generic|avx2|avx512"
#endif

#if defined(__GNUC__)
#define MD_RESTRICT __restrict__
#define MD_INLINE inline __attribute__((always_inline))
#else
#define MD_RESTRICT
#define MD_INLINE inline
#endif

namespace md {
namespace MD_ISA {

MD_INLINE int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
MD_INLINE int64_t imax(int64_t a, int64_t b) { return a > b ? a : b; }

/** parallel_for when the loop is worth waking workers for, else a plain loop on this thread. */
template <class F>
inline void parallel_for_if(bool parallel, int64_t tasks, const F& f) {
  if (parallel) {
    parallel_for(tasks, f);
  } else {
    for (int64_t t = 0; t < tasks; ++t) f(t);
  }
}

/** A bf16 value as float32, exactly: its 16 bits are the top half of the float's. */
MD_INLINE float bf16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

/** x rounded to the nearest bfloat16 (ties to even), kept as a float32; NaNs stay NaN. */
MD_INLINE float round_to_bf16(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof(u));
  const uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1u)) & 0xffff0000u;
  u = (u & 0x7fffffffu) > 0x7f800000u ? u : rounded;
  std::memcpy(&x, &u, sizeof(x));
  return x;
}

/** Below this many multiply-adds a kernel runs on the calling thread (see gemm.cc). */
constexpr int64_t kParallelFlops = int64_t{1} << 21;

/**
 * Columns per task of a few-row product x [m, k] · W [n, k]ᵀ (gemm.cc's float32 and bf16.cc's bf16
 * dot-product paths), or all n of them (one thread). The work is reading W, so a W of 64Ki values
 * or more is split even below kParallelFlops: a decoding step's q/o (896 x 896) and k/v (128 x 896)
 * products ran on one thread (bf16: 27 and 22 GB/s where two threads read the MLP's weights at
 * ~50; float32 q/o and k/v 1.8-1.9x with both threads, bench:ab, Zen 5).
 */
MD_INLINE int64_t dot_grain(int64_t m, int64_t n, int64_t k) {
  return m * n * k >= kParallelFlops || n * k >= (int64_t{64} << 10) ? 64 : n;
}

/** 64-byte aligned scratch memory that lives for one kernel call. */
class Scratch {
 public:
  explicit Scratch(int64_t floats) {
    size_t bytes = (static_cast<size_t>(floats > 0 ? floats : 1) * sizeof(float) + 63) & ~size_t{63};
    p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (p_ == nullptr) std::abort();
  }
  ~Scratch() { std::free(p_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* get() const { return p_; }

 private:
  float* p_;
};

/**
 * Scratch memory kept between kernel calls and grown on demand: fresh pages cost ~10 us each on
 * first touch here, more than most kernels spend on them. One static instance per use; only the
 * JS thread may call get() (before its parallel loop), never a pool task.
 */
class GrowingBuffer {
 public:
  float* get(int64_t floats) {
    if (floats > capacity_) {
      std::free(p_);
      constexpr size_t kHuge = size_t{2} << 20;  // 2 MiB: transparent huge pages where enabled
      size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + kHuge - 1) & ~(kHuge - 1);
      p_ = static_cast<float*>(std::aligned_alloc(kHuge, bytes));
      if (p_ == nullptr) std::abort();
      capacity_ = static_cast<int64_t>(bytes / sizeof(float));
    }
    return p_;
  }

 private:
  float* p_ = nullptr;
  int64_t capacity_ = 0;
};

/**
 * exp(x) for float32 to about 2 ulp, written so that loops over it vectorise: Cody-Waite range
 * reduction x = n ln2 + r and a degree-6 polynomial for e^r (the same scheme as Cephes' expf).
 */
MD_INLINE float fast_exp(float x) {
  // Clamped so that 2^n stays a normal float; expf saturates there anyway.
  x = x < 88.0f ? x : 88.0f;
  x = x > -87.0f ? x : -87.0f;
  // Round to nearest with the 1.5 * 2^23 trick (vectorises without SSE4.1's roundps).
  float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof(scale));
  return p * scale;
}

/** A float32 or bf16 value as float32 (bf16 widened exactly): lets one loop read either kind. */
MD_INLINE float as_float(float x) { return x; }
MD_INLINE float as_float(uint16_t b) { return bf16_to_float(b); }

/** A value as the GEMM packs it: as float32, rounded to bf16 when kRound (a bf16 value already is). */
template <bool kRound, typename S>
MD_INLINE float packed_value(S x) {
  return kRound ? round_to_bf16(as_float(x)) : as_float(x);
}

/**
 * <x, y> over n values (y float32 or bf16) in 16 partial sums, folded in lane order, then the
 * tail: one running sum is a sequential chain the compiler may not reorder, so that loop would
 * stay scalar.
 */
template <typename T>
MD_INLINE float dot(const float* MD_RESTRICT x, const T* MD_RESTRICT y, int64_t n) {
  float part[16] = {};
  int64_t k = 0;
  for (; k + 16 <= n; k += 16)
    for (int u = 0; u < 16; ++u) part[u] += x[k + u] * as_float(y[k + u]);
  float sum = 0.0f;
  for (int u = 0; u < 16; ++u) sum += part[u];
  for (; k < n; ++k) sum += x[k] * as_float(y[k]);
  return sum;
}

/**
 * Largest of x[0, n) (-inf when n = 0), NaNs skipped; *saw_nan, when given, says whether there
 * was one. 16 lanes of running maxima, folded in lane order. maxps(a, b) is exactly
 * a > b ? a : b, but GCC does not emit it for that expression without -ffinite-math-only, and on
 * AVX2 it left the loop scalar (16 maxss per step).
 */
MD_INLINE float row_max(const float* MD_RESTRICT x, int64_t n, bool* saw_nan = nullptr) {
  float part[16];
  bool nan = false;
  int64_t i = 0;
#if defined(__AVX512F__)
  __m512 p = _mm512_set1_ps(-INFINITY);
  __mmask16 unordered = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_loadu_ps(x + i);
    p = _mm512_max_ps(v, p);
    unordered |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  }
  _mm512_storeu_ps(part, p);
  nan = unordered != 0;
#elif defined(__AVX2__)
  __m256 p0 = _mm256_set1_ps(-INFINITY), p1 = p0, unordered = _mm256_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    const __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
    p0 = _mm256_max_ps(v0, p0);
    p1 = _mm256_max_ps(v1, p1);
    unordered = _mm256_or_ps(unordered, _mm256_or_ps(_mm256_cmp_ps(v0, v0, _CMP_UNORD_Q), _mm256_cmp_ps(v1, v1, _CMP_UNORD_Q)));
  }
  _mm256_storeu_ps(part, p0);
  _mm256_storeu_ps(part + 8, p1);
  nan = _mm256_movemask_ps(unordered) != 0;
#else
  for (int u = 0; u < 16; ++u) part[u] = -INFINITY;
  for (; i + 16 <= n; i += 16)
    for (int u = 0; u < 16; ++u) {
      part[u] = x[i + u] > part[u] ? x[i + u] : part[u];
      nan |= x[i + u] != x[i + u];
    }
#endif
  float m = -INFINITY;
  for (int u = 0; u < 16; ++u) m = part[u] > m ? part[u] : m;
  for (; i < n; ++i) {
    m = x[i] > m ? x[i] : m;
    nan |= x[i] != x[i];
  }
  if (saw_nan) *saw_nan = nan;
  return m;
}

MD_INLINE float sigmoid(float x) { return 1.0f / (1.0f + fast_exp(-x)); }

#if defined(__AVX2__) && !defined(__AVX512F__)
/**
 * fast_exp of 8 floats, its scheme written out for AVX2 (with FMA, so the last bit may differ
 * from the scalar form's). GCC vectorises fast_exp itself, but on AVX2 it splits the clamp ranges
 * into compare-and-blend paths and spills constants (silu: ~27 cycles per 8 values against ~8 per
 * 16 for the AVX-512 table). Here the clamps are min/max (NaN goes to the bound, as the scalar
 * form's compares do).
 */
MD_INLINE __m256 exp8(__m256 x) {
  x = _mm256_min_ps(x, _mm256_set1_ps(88.0f));
  x = _mm256_max_ps(x, _mm256_set1_ps(-87.0f));
  const __m256 round = _mm256_set1_ps(12582912.0f);
  const __m256 n = _mm256_sub_ps(_mm256_fmadd_ps(x, _mm256_set1_ps(1.44269504088896341f), round), round);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500E-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073E-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894E-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459E-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201E-1f));
  p = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}

/** sigmoid of 8 floats with exp8. */
MD_INLINE __m256 sigmoid8(__m256 x) {
  const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
}
#endif

}  // namespace MD_ISA
}  // namespace md
