// Fused transformer kernels, forward and backward side by side: RMSNorm, rotary embedding,
// SwiGLU, cross-entropy from logits, AdamW, the sum of squares of a gradient.
#include <vector>

#include "common.h"

namespace md {
namespace MD_ISA {
namespace {

constexpr int64_t kGrain = 1 << 14;

MD_INLINE double dot_d(const float* MD_RESTRICT a, const float* MD_RESTRICT b, int64_t n) {
  double part[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int u = 0; u < 8; ++u) part[u] += static_cast<double>(a[i + u]) * b[i + u];
  double s = 0.0;
  for (int u = 0; u < 8; ++u) s += part[u];
  for (; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// y = x / sqrt(mean(x^2) + eps) * w, as transformers' LlamaRMSNorm / Qwen2RMSNorm in float32.
void rmsnorm_fwd(const float* x, const float* w, float* y, float* rstd, int64_t rows, int64_t h, float eps) {
  parallel_range(rows, imax(1, kGrain / imax(h, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* MD_RESTRICT xr = x + r * h;
      float* MD_RESTRICT yr = y + r * h;
      float rs = static_cast<float>(1.0 / std::sqrt(dot_d(xr, xr, h) / static_cast<double>(h) + eps));
      rstd[r] = rs;
      for (int64_t j = 0; j < h; ++j) yr[j] = xr[j] * rs * w[j];
    }
  });
}

// With g = dy * w:  dx = rstd * (g - x * rstd^2 * <g, x> / h);  dw = sum_rows dy * x * rstd.
void rmsnorm_bwd(const float* dy, const float* x, const float* w, const float* rstd, float* dx, float* dw,
                 int64_t rows, int64_t h) {
  const int64_t chunks = imax(1, imin(rows, static_cast<int64_t>(pool_threads()) * 2));
  Scratch partial(chunks * h);
  const int64_t per = (rows + chunks - 1) / chunks;
  parallel_for(chunks, [&](int64_t c) {
    float* MD_RESTRICT pdw = partial.get() + c * h;
    for (int64_t j = 0; j < h; ++j) pdw[j] = 0.0f;
    Scratch g(h);
    float* MD_RESTRICT gr = g.get();
    for (int64_t r = c * per; r < imin(rows, (c + 1) * per); ++r) {
      const float* MD_RESTRICT dyr = dy + r * h;
      const float* MD_RESTRICT xr = x + r * h;
      float* MD_RESTRICT dxr = dx + r * h;
      const float rs = rstd[r];
      for (int64_t j = 0; j < h; ++j) {
        gr[j] = dyr[j] * w[j];
        pdw[j] += dyr[j] * xr[j] * rs;
      }
      const float coef = static_cast<float>(dot_d(gr, xr, h) / static_cast<double>(h)) * rs * rs;
      for (int64_t j = 0; j < h; ++j) dxr[j] = rs * (gr[j] - xr[j] * coef);
    }
  });
  for (int64_t j = 0; j < h; ++j) {
    float s = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) s += partial.get()[c * h + j];
    dw[j] = s;
  }
}

// Half-split rotary embedding (transformers' rotate_half): for j < d/2,
//   out_j = x_j cos_j - x_{j+d/2} sin_j,  out_{j+d/2} = x_{j+d/2} cos_j + x_j sin_j.
// The gradient is the inverse rotation, i.e. the same with sin negated (sign = -1).
void rope(const float* x, const float* cos, const float* sin, float* out, int64_t b, int64_t heads, int64_t s,
          int64_t d, int64_t cos_batches, float sign) {
  const int64_t half = d / 2, rows = b * heads * s;
  parallel_range(rows, imax(1, kGrain / imax(d, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t pos = r % s, batch = cos_batches == 1 ? 0 : r / (heads * s);
      const float* MD_RESTRICT c = cos + (batch * s + pos) * half;
      const float* MD_RESTRICT sn = sin + (batch * s + pos) * half;
      const float* MD_RESTRICT xr = x + r * d;
      float* MD_RESTRICT o = out + r * d;
      for (int64_t j = 0; j < half; ++j) {
        float x1 = xr[j], x2 = xr[j + half], sj = sign * sn[j];
        o[j] = x1 * c[j] - x2 * sj;
        o[j + half] = x2 * c[j] + x1 * sj;
      }
    }
  });
}

// silu(gate) * up; silu(g) = g * sigmoid(g).
void swiglu_fwd(const float* gate, const float* up, float* out, int64_t n) {
  parallel_range(n, kGrain, [&](int64_t b, int64_t e) {
    const float* MD_RESTRICT g = gate;
    const float* MD_RESTRICT u = up;
    float* MD_RESTRICT o = out;
    int64_t i = b;
#if defined(__AVX2__) && !defined(__AVX512F__)
    for (; i + 8 <= e; i += 8) {
      const __m256 gv = _mm256_loadu_ps(g + i);
      _mm256_storeu_ps(o + i, _mm256_mul_ps(_mm256_mul_ps(gv, sigmoid8(gv)), _mm256_loadu_ps(u + i)));
    }
#endif
    for (; i < e; ++i) o[i] = g[i] * sigmoid(g[i]) * u[i];
  });
}

// d/dg silu(g) = s (1 + g (1 - s)) with s = sigmoid(g).
void swiglu_bwd(const float* dy, const float* gate, const float* up, float* dgate, float* dup, int64_t n) {
  parallel_range(n, kGrain, [&](int64_t b, int64_t e) {
    const float* MD_RESTRICT g = gate;
    const float* MD_RESTRICT u = up;
    const float* MD_RESTRICT d = dy;
    float* MD_RESTRICT dg = dgate;
    float* MD_RESTRICT du = dup;
    int64_t i = b;
#if defined(__AVX2__) && !defined(__AVX512F__)
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= e; i += 8) {
      const __m256 gv = _mm256_loadu_ps(g + i), dv = _mm256_loadu_ps(d + i);
      const __m256 s = sigmoid8(gv);
      _mm256_storeu_ps(du + i, _mm256_mul_ps(dv, _mm256_mul_ps(gv, s)));
      const __m256 slope = _mm256_fmadd_ps(gv, _mm256_sub_ps(one, s), one);  // 1 + g (1 - s)
      _mm256_storeu_ps(dg + i, _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(dv, _mm256_loadu_ps(u + i)), s), slope));
    }
#endif
    for (; i < e; ++i) {
      float s = sigmoid(g[i]);
      float silu = g[i] * s;
      du[i] = d[i] * silu;
      dg[i] = d[i] * u[i] * s * (1.0f + g[i] * (1.0f - s));
    }
  });
}

constexpr int32_t kIgnoreIndex = -100;  // torch.nn.CrossEntropyLoss's default ignore_index

// Values of a row per step of the one-pass log-sum-exp: 8 KB, read from memory once and then
// again from L1. A 151,936-value row is 607 KB, past a Zen 3 core's 512 KB L2, so a max pass and
// then an exp pass over the whole row read it from memory twice.
constexpr int64_t kLseChunk = 2048;

// sum exp(x[i] - m) over n <= kLseChunk values, in 16 float partial sums folded in lane order.
MD_INLINE double chunk_sum_exp(const float* MD_RESTRICT x, int64_t n, float m) {
  float part[16] = {};
  int64_t i = 0;
#if defined(__AVX2__) && !defined(__AVX512F__)
  const __m256 mv = _mm256_set1_ps(m);
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_add_ps(s0, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv)));
    s1 = _mm256_add_ps(s1, exp8(_mm256_sub_ps(_mm256_loadu_ps(x + i + 8), mv)));
  }
  _mm256_storeu_ps(part, s0);
  _mm256_storeu_ps(part + 8, s1);
#else
  for (; i + 16 <= n; i += 16)
    for (int u = 0; u < 16; ++u) part[u] += fast_exp(x[i + u] - m);
#endif
  double total = 0.0;
  for (int u = 0; u < 16; ++u) total += part[u];
  for (; i < n; ++i) total += fast_exp(x[i] - m);
  return total;
}

// log sum exp over a row in one pass from memory: per chunk its max and, when that is a new
// running max, the sum so far rescaled to it; then the chunk's exps, read from L1. A NaN or +inf
// anywhere gives NaN (as torch's logsumexp and the cuda kernel do); a row of -inf gives -inf.
MD_INLINE float row_log_sum_exp(const float* x, int64_t n) {
  float m = -INFINITY;
  double sum = 0.0;
  for (int64_t c = 0; c < n; c += kLseChunk) {
    const int64_t len = imin(kLseChunk, n - c);
    bool nan = false;
    const float chunk_max = row_max(x + c, len, &nan);
    if (nan || chunk_max == INFINITY) return NAN;
    if (chunk_max > m) {
      sum *= std::exp(static_cast<double>(m) - chunk_max);  // from -inf: 0 * 0
      m = chunk_max;
    }
    if (m != -INFINITY) sum += chunk_sum_exp(x + c, len, m);
  }
  return m + static_cast<float>(std::log(sum));
}

// Per row with a label: lse = log sum exp(logits), loss = lse - logits[label]. Only lse is
// kept for the backward pass (no [rows, vocab] softmax copy).
double xent_fwd(const float* logits, const int32_t* labels, float* lse, int64_t rows, int64_t vocab) {
  Scratch losses(rows);
  parallel_range(rows, imax(1, kGrain / imax(vocab, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      if (labels[r] == kIgnoreIndex) {
        lse[r] = 0.0f;
        losses.get()[r] = 0.0f;
        continue;
      }
      const float* row = logits + r * vocab;
      const float l = row_log_sum_exp(row, vocab);
      lse[r] = l;
      losses.get()[r] = l - row[labels[r]];
    }
  });
  double sum = 0.0;
  for (int64_t r = 0; r < rows; ++r) sum += losses.get()[r];
  return sum;
}

// A row whose lse is not finite (a NaN or an infinity in its logits) gets NaN gradients.
void xent_bwd(const float* logits, const int32_t* labels, const float* lse, float dloss, float* dlogits,
              int64_t rows, int64_t vocab) {
  parallel_range(rows, imax(1, kGrain / imax(vocab, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      float* MD_RESTRICT o = dlogits + r * vocab;
      if (labels[r] == kIgnoreIndex) {
        std::memset(o, 0, static_cast<size_t>(vocab) * sizeof(float));
        continue;
      }
      const float* MD_RESTRICT row = logits + r * vocab;
      const float l = lse[r];
      if (!std::isfinite(l)) {
        for (int64_t j = 0; j < vocab; ++j) o[j] = NAN;
        continue;
      }
      int64_t j = 0;
#if defined(__AVX2__) && !defined(__AVX512F__)
      const __m256 lv = _mm256_set1_ps(l), dv = _mm256_set1_ps(dloss);
      for (; j + 8 <= vocab; j += 8)
        _mm256_storeu_ps(o + j, _mm256_mul_ps(dv, exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), lv))));
#endif
      for (; j < vocab; ++j) o[j] = dloss * fast_exp(row[j] - l);
      o[labels[r]] -= dloss;
    }
  });
}

// Elements [b, e) of adamw, with every scalar a parameter: written inside the parallel lambda,
// GCC left the loop scalar (~17 GB/s on the AVX2 table).
void adamw_range(const float* p, float* po, const float* MD_RESTRICT g, float* MD_RESTRICT m, float* MD_RESTRICT v,
                 int64_t b, int64_t e, float b1, float one_minus_b1, float b2, float one_minus_b2, float decay,
                 float step_size, float inv_sqrt_bias2, float eps, float grad_scale) {
  for (int64_t i = b; i < e; ++i) {
    const float gi = g[i] * grad_scale;
    m[i] = b1 * m[i] + one_minus_b1 * gi;
    v[i] = b2 * v[i] + one_minus_b2 * gi * gi;
    const float denom = std::sqrt(v[i]) * inv_sqrt_bias2 + eps;
    po[i] = p[i] * decay - step_size * m[i] / denom;
  }
}

// torch.optim.AdamW (decoupled weight decay, bias-corrected moments) on g = grad * grad_scale
// (the clip coefficient, applied here instead of in a separate pass over every gradient):
//   p -= lr * wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//   p -= (lr / bias1) * m / (sqrt(v) / sqrt(bias2) + eps)
// param may alias param_out.
void adamw(const float* param, float* param_out, const float* grad, float* m, float* v, int64_t n, float lr, double beta1,
           double beta2, float eps, float weight_decay, double bias1, double bias2, float grad_scale) {
  // 1 - beta in float64, then rounded, as torch does with its Python-float betas (1 - 0.999f in
  // float32 is 1.3e-5 off).
  const float b1 = static_cast<float>(beta1), one_minus_b1 = static_cast<float>(1.0 - beta1);
  const float b2 = static_cast<float>(beta2), one_minus_b2 = static_cast<float>(1.0 - beta2);
  const float decay = 1.0f - lr * weight_decay;
  const float step_size = static_cast<float>(lr / bias1);
  const float inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(bias2));
  parallel_range(n, kGrain, [&](int64_t b, int64_t e) {
    adamw_range(param, param_out, grad, m, v, b, e, b1, one_minus_b1, b2, one_minus_b2, decay, step_size,
                inv_sqrt_bias2, eps, grad_scale);
  });
}

// Sum of squares in float64 over fixed blocks summed in block order, so the result does not depend
// on the thread count.
double sum_squares(const float* x, int64_t n) {
  constexpr int64_t kBlock = 1 << 16;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks > 0 ? blocks : 1), 0.0);
  parallel_for(blocks, [&](int64_t blk) {
    const int64_t b = blk * kBlock, e = b + kBlock < n ? b + kBlock : n;
    partial[static_cast<size_t>(blk)] = dot_d(x + b, x + b, e - b);
  });
  double sum = 0.0;
  for (int64_t blk = 0; blk < blocks; ++blk) sum += partial[static_cast<size_t>(blk)];
  return sum;
}

}  // namespace

void register_fused(Kernels& k) {
  k.rmsnorm_fwd = rmsnorm_fwd;
  k.rmsnorm_bwd = rmsnorm_bwd;
  k.rope = rope;
  k.swiglu_fwd = swiglu_fwd;
  k.swiglu_bwd = swiglu_bwd;
  k.xent_fwd = xent_fwd;
  k.xent_bwd = xent_bwd;
  k.adamw = adamw;
  k.sum_squares = sum_squares;
}

}  // namespace MD_ISA
}  // namespace md
