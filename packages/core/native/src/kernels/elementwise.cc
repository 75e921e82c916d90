// Memory-bound kernels: broadcasting binary ops, unary ops, reductions, softmax, transpose,
// gather and its gradient (segment sum). Loops are written so the compiler vectorises them for
// the instruction set this file is compiled for.
#include "common.h"

namespace md {
namespace MD_ISA {
namespace {

constexpr int64_t kGrain = 1 << 14;  // elements per task for memory-bound loops

template <BinaryOp OP>
MD_INLINE float binary_value(float a, float b) {
  if constexpr (OP == BinaryOp::kAdd) return a + b;
  else if constexpr (OP == BinaryOp::kSub) return a - b;
  else if constexpr (OP == BinaryOp::kMul) return a * b;
  else if constexpr (OP == BinaryOp::kDiv) return a / b;
  // NaN propagates as in tfjs' cpu Maximum/Minimum (Math.max/Math.min).
  else if constexpr (OP == BinaryOp::kMax) return (a != a || b != b) ? a + b : (a > b ? a : b);
  else if constexpr (OP == BinaryOp::kMin) return (a != a || b != b) ? a + b : (a < b ? a : b);
  else if constexpr (OP == BinaryOp::kSquaredDiff) return (a - b) * (a - b);
  else return std::pow(a, b);
}

template <BinaryOp OP>
MD_INLINE void binary_run(const float* MD_RESTRICT a, int64_t sa, const float* MD_RESTRICT b, int64_t sb,
                          float* MD_RESTRICT out, int64_t n) {
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) out[i] = binary_value<OP>(a[i], b[i]);
  } else if (sa == 1 && sb == 0) {
    const float bv = *b;
    for (int64_t i = 0; i < n; ++i) out[i] = binary_value<OP>(a[i], bv);
  } else if (sa == 0 && sb == 1) {
    const float av = *a;
    for (int64_t i = 0; i < n; ++i) out[i] = binary_value<OP>(av, b[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = binary_value<OP>(a[i * sa], b[i * sb]);
  }
}

template <BinaryOp OP>
void binary_impl(const BinaryArgs& x) {
  const int r = x.rank;
  int64_t total = 1;
  for (int d = 0; d < r; ++d) total *= x.shape[d];
  const int64_t inner = x.shape[r - 1];
  parallel_range(total, kGrain, [&](int64_t begin, int64_t end) {
    int64_t coord[kMaxRank];
    int64_t rem = begin, ao = 0, bo = 0;
    for (int d = r - 1; d >= 0; --d) {
      coord[d] = rem % x.shape[d];
      rem /= x.shape[d];
      ao += coord[d] * x.a_stride[d];
      bo += coord[d] * x.b_stride[d];
    }
    int64_t pos = begin;
    while (pos < end) {
      int64_t run = imin(inner - coord[r - 1], end - pos);
      binary_run<OP>(x.a + ao, x.a_stride[r - 1], x.b + bo, x.b_stride[r - 1], x.out + pos, run);
      pos += run;
      // Advance the multi-index past the run.
      coord[r - 1] += run;
      ao += run * x.a_stride[r - 1];
      bo += run * x.b_stride[r - 1];
      for (int d = r - 1; d > 0 && coord[d] == x.shape[d]; --d) {
        ao -= coord[d] * x.a_stride[d];
        bo -= coord[d] * x.b_stride[d];
        coord[d] = 0;
        ++coord[d - 1];
        ao += x.a_stride[d - 1];
        bo += x.b_stride[d - 1];
      }
    }
  });
}

void binary(const BinaryArgs& x) {
  switch (x.op) {
    case BinaryOp::kAdd: return binary_impl<BinaryOp::kAdd>(x);
    case BinaryOp::kSub: return binary_impl<BinaryOp::kSub>(x);
    case BinaryOp::kMul: return binary_impl<BinaryOp::kMul>(x);
    case BinaryOp::kDiv: return binary_impl<BinaryOp::kDiv>(x);
    case BinaryOp::kMax: return binary_impl<BinaryOp::kMax>(x);
    case BinaryOp::kMin: return binary_impl<BinaryOp::kMin>(x);
    case BinaryOp::kSquaredDiff: return binary_impl<BinaryOp::kSquaredDiff>(x);
    case BinaryOp::kPow: return binary_impl<BinaryOp::kPow>(x);
  }
}

template <UnaryOp OP>
MD_INLINE float unary_value(float x, float alpha) {
  (void)alpha;
  if constexpr (OP == UnaryOp::kExp) return fast_exp(x);
  else if constexpr (OP == UnaryOp::kNeg) return -x;
  else if constexpr (OP == UnaryOp::kSqrt) return std::sqrt(x);
  else if constexpr (OP == UnaryOp::kRsqrt) return 1.0f / std::sqrt(x);
  else if constexpr (OP == UnaryOp::kSquare) return x * x;
  else if constexpr (OP == UnaryOp::kSigmoid) return sigmoid(x);
  else if constexpr (OP == UnaryOp::kLog) return std::log(x);
  else if constexpr (OP == UnaryOp::kRelu) return x > 0.0f ? x : (x != x ? x : 0.0f);
  else if constexpr (OP == UnaryOp::kTanh) {
    // tanh(x) = 1 - 2 / (e^{2x} + 1); saturates cleanly for large |x|.
    return 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f);
  } else if constexpr (OP == UnaryOp::kAbs) return std::fabs(x);
  else return 1.0f / x;
}

#if defined(__AVX2__) && !defined(__AVX512F__)
/** The ops built on fast_exp, which GCC vectorises poorly on AVX2 (see exp8). */
constexpr bool uses_exp(UnaryOp op) { return op == UnaryOp::kExp || op == UnaryOp::kSigmoid || op == UnaryOp::kTanh; }

/** unary_value of 8 floats, for the ops uses_exp names. */
template <UnaryOp OP>
MD_INLINE __m256 unary8(__m256 x) {
  if constexpr (OP == UnaryOp::kExp) return exp8(x);
  else if constexpr (OP == UnaryOp::kSigmoid) return sigmoid8(x);
  else {
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 e = exp8(_mm256_add_ps(x, x));
    return _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
  }
}
#endif

template <UnaryOp OP>
void unary_impl(const float* x, float* out, int64_t n, float alpha) {
  parallel_range(n, kGrain, [&](int64_t b, int64_t e) {
    const float* MD_RESTRICT xi = x;
    float* MD_RESTRICT o = out;
    int64_t i = b;
#if defined(__AVX2__) && !defined(__AVX512F__)
    if constexpr (uses_exp(OP))
      for (; i + 8 <= e; i += 8) _mm256_storeu_ps(o + i, unary8<OP>(_mm256_loadu_ps(xi + i)));
#endif
    for (; i < e; ++i) o[i] = unary_value<OP>(xi[i], alpha);
  });
}

void unary(UnaryOp op, const float* x, float* out, int64_t n, float alpha) {
  switch (op) {
    case UnaryOp::kExp: return unary_impl<UnaryOp::kExp>(x, out, n, alpha);
    case UnaryOp::kNeg: return unary_impl<UnaryOp::kNeg>(x, out, n, alpha);
    case UnaryOp::kSqrt: return unary_impl<UnaryOp::kSqrt>(x, out, n, alpha);
    case UnaryOp::kRsqrt: return unary_impl<UnaryOp::kRsqrt>(x, out, n, alpha);
    case UnaryOp::kSquare: return unary_impl<UnaryOp::kSquare>(x, out, n, alpha);
    case UnaryOp::kSigmoid: return unary_impl<UnaryOp::kSigmoid>(x, out, n, alpha);
    case UnaryOp::kLog: return unary_impl<UnaryOp::kLog>(x, out, n, alpha);
    case UnaryOp::kRelu: return unary_impl<UnaryOp::kRelu>(x, out, n, alpha);
    case UnaryOp::kTanh: return unary_impl<UnaryOp::kTanh>(x, out, n, alpha);
    case UnaryOp::kAbs: return unary_impl<UnaryOp::kAbs>(x, out, n, alpha);
    case UnaryOp::kReciprocal: return unary_impl<UnaryOp::kReciprocal>(x, out, n, alpha);
  }
}

// Sum of a contiguous row with 16 double partial sums (tfjs' cpu backend sums in doubles).
MD_INLINE double row_sum(const float* MD_RESTRICT x, int64_t n) {
  double part[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int u = 0; u < 16; ++u) part[u] += x[i + u];
  double s = 0.0;
  for (int u = 0; u < 16; ++u) s += part[u];
  for (; i < n; ++i) s += x[i];
  return s;
}

// Max of a row, NaN if it holds one (as tfjs' cpu Max).
MD_INLINE float row_max_or_nan(const float* MD_RESTRICT x, int64_t n) {
  bool nan = false;
  const float m = row_max(x, n, &nan);
  return nan ? NAN : m;
}

// The index of a row's largest number, the first of equals; 0 when x[0] is NaN (a strict > scan from
// index 0 never moves then). The max ignores NaN; then the first 16-value block that holds it is searched.
MD_INLINE int32_t row_argmax(const float* MD_RESTRICT x, int64_t n) {
  if (x[0] != x[0]) return 0;
  const float m = row_max(x, n);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    bool hit = false;
    for (int u = 0; u < 16; ++u) hit |= x[i + u] == m;
    if (hit) break;
  }
  for (; i < n; ++i)
    if (x[i] == m) return static_cast<int32_t>(i);
  return 0;  // not reached: m is one of the row's values
}

void argmax_rows(const float* x, int32_t* out, int64_t rows, int64_t cols) {
  parallel_range(rows, imax(1, kGrain / imax(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) out[r] = row_argmax(x + r * cols, cols);
  });
}

void reduce(ReduceOp op, const float* x, float* out, int64_t outer, int64_t len, int64_t inner) {
  if (inner == 1) {
    parallel_range(outer, imax(1, kGrain / imax(len, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const float* row = x + o * len;
        switch (op) {
          case ReduceOp::kSum: out[o] = static_cast<float>(row_sum(row, len)); break;
          case ReduceOp::kMean: out[o] = static_cast<float>(row_sum(row, len) / static_cast<double>(len)); break;
          case ReduceOp::kMax: out[o] = row_max_or_nan(row, len); break;
          case ReduceOp::kMin: {
            float m = INFINITY;
            bool nan = false;
            for (int64_t i = 0; i < len; ++i) {
              m = row[i] < m ? row[i] : m;
              nan |= row[i] != row[i];
            }
            out[o] = nan ? NAN : m;
            break;
          }
        }
      }
    });
    return;
  }
  // Reduce over a strided axis: accumulate whole inner rows, vectorised along inner.
  constexpr int64_t kCols = 1024;
  const int64_t col_blocks = (inner + kCols - 1) / kCols;
  parallel_range(outer * col_blocks, imax(1, kGrain / imax(len * kCols, 1)), [&](int64_t b, int64_t e) {
    alignas(64) double acc[kCols];
    for (int64_t task = b; task < e; ++task) {
      int64_t o = task / col_blocks, c0 = (task % col_blocks) * kCols, w = imin(kCols, inner - c0);
      const float* base = x + o * len * inner + c0;
      float* dst = out + o * inner + c0;
      if (op == ReduceOp::kSum || op == ReduceOp::kMean) {
        for (int64_t j = 0; j < w; ++j) acc[j] = 0.0;
        for (int64_t l = 0; l < len; ++l) {
          const float* MD_RESTRICT row = base + l * inner;
          for (int64_t j = 0; j < w; ++j) acc[j] += row[j];
        }
        double div = op == ReduceOp::kMean ? static_cast<double>(len) : 1.0;
        for (int64_t j = 0; j < w; ++j) dst[j] = static_cast<float>(acc[j] / div);
      } else {
        const bool is_max = op == ReduceOp::kMax;
        for (int64_t j = 0; j < w; ++j) dst[j] = is_max ? -INFINITY : INFINITY;
        for (int64_t l = 0; l < len; ++l) {
          const float* MD_RESTRICT row = base + l * inner;
          for (int64_t j = 0; j < w; ++j) {
            float v = row[j];
            if (v != v || dst[j] != dst[j]) dst[j] = NAN;
            else dst[j] = is_max ? (v > dst[j] ? v : dst[j]) : (v < dst[j] ? v : dst[j]);
          }
        }
      }
    }
  });
}

void softmax(const float* x, float* out, int64_t rows, int64_t cols) {
  parallel_range(rows, imax(1, kGrain / imax(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* MD_RESTRICT xi = x + r * cols;
      float* MD_RESTRICT o = out + r * cols;
      float m = row_max_or_nan(xi, cols);
      int64_t j = 0;
#if defined(__AVX2__) && !defined(__AVX512F__)
      const __m256 mv = _mm256_set1_ps(m);
      for (; j + 8 <= cols; j += 8) _mm256_storeu_ps(o + j, exp8(_mm256_sub_ps(_mm256_loadu_ps(xi + j), mv)));
#endif
      for (; j < cols; ++j) o[j] = fast_exp(xi[j] - m);
      float inv = static_cast<float>(1.0 / row_sum(o, cols));
      for (int64_t j = 0; j < cols; ++j) o[j] *= inv;
    }
  });
}

void transpose(const float* x, float* out, int rank, const int64_t* shape, const int32_t* perm) {
  int64_t in_stride[kMaxRank], out_shape[kMaxRank], src_stride[kMaxRank];
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= shape[d];
  }
  const int64_t total = s;
  for (int d = 0; d < rank; ++d) {
    out_shape[d] = shape[perm[d]];
    src_stride[d] = in_stride[perm[d]];
  }
  const int64_t inner = out_shape[rank - 1], step = src_stride[rank - 1];
  const int64_t rows = total / (inner > 0 ? inner : 1);
  if (total == 0) return;
  parallel_range(rows, imax(1, kGrain / imax(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t row = b; row < e; ++row) {
      int64_t rem = row, off = 0;
      for (int d = rank - 2; d >= 0; --d) {
        off += (rem % out_shape[d]) * src_stride[d];
        rem /= out_shape[d];
      }
      const float* MD_RESTRICT src = x + off;
      float* MD_RESTRICT dst = out + row * inner;
      if (step == 1) std::memcpy(dst, src, static_cast<size_t>(inner) * sizeof(float));
      else
        for (int64_t j = 0; j < inner; ++j) dst[j] = src[j * step];
    }
  });
}

void gather(const float* params, const int32_t* idx, float* out, int64_t outer, int64_t axis_len, int64_t inner,
            int64_t n_idx) {
  parallel_range(outer * n_idx, imax(1, kGrain / imax(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / n_idx, i = t % n_idx;
      int64_t row = idx[i];
      float* dst = out + t * inner;
      if (row < 0 || row >= axis_len) std::memset(dst, 0, static_cast<size_t>(inner) * sizeof(float));
      else std::memcpy(dst, params + (o * axis_len + row) * inner, static_cast<size_t>(inner) * sizeof(float));
    }
  });
}

void segment_sum(const float* data, const int32_t* seg, float* out, int64_t rows, int64_t inner, int64_t segments) {
  // Column strips per task, so no two tasks add into the same output element.
  constexpr int64_t kCols = 256;
  const int64_t strips = (inner + kCols - 1) / kCols;
  parallel_range(strips, 1, [&](int64_t b, int64_t e) {
    for (int64_t strip = b; strip < e; ++strip) {
      int64_t c0 = strip * kCols, w = imin(kCols, inner - c0);
      for (int64_t sgm = 0; sgm < segments; ++sgm)
        std::memset(out + sgm * inner + c0, 0, static_cast<size_t>(w) * sizeof(float));
      for (int64_t r = 0; r < rows; ++r) {
        int64_t sgm = seg[r];
        if (sgm < 0 || sgm >= segments) continue;
        float* MD_RESTRICT dst = out + sgm * inner + c0;
        const float* MD_RESTRICT src = data + r * inner + c0;
        for (int64_t j = 0; j < w; ++j) dst[j] += src[j];
      }
    }
  });
}

}  // namespace

void register_elementwise(Kernels& k) {
  k.binary = binary;
  k.unary = unary;
  k.reduce = reduce;
  k.argmax_rows = argmax_rows;
  k.softmax = softmax;
  k.transpose = transpose;
  k.gather = gather;
  k.segment_sum = segment_sum;
}

}  // namespace MD_ISA
}  // namespace md
