// Causal attention with grouped KV heads, computed flash-style (Dao et al., FlashAttention-2):
// queries in blocks of BR rows against keys in blocks of BC, an online softmax in the forward
// pass, and a backward pass that recomputes each score block from the saved log-sum-exp. No
// thread ever holds more than one BR x BC block of the [s, t] score matrix.
#include "common.h"
#include "transpose_registers.h"
#include "vec.h"

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace md {
namespace MD_ISA {
namespace {

#if defined(__AVX512F__)
// R rows x 16V columns of C in R*V zmm accumulators (R*V <= 16 leaves registers for V vectors of B
// and the broadcast of A). Each element is one chain of fused multiply-adds over k, in k order.
template <int R, int V>
MD_INLINE void block_rows_avx512(int64_t K, const float* A, int64_t lda, int64_t acs, const float* B, int64_t ldb,
                                 float* C, int64_t ldc, bool accumulate) {
  __m512 c[R][V];
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) c[r][v] = accumulate ? _mm512_loadu_ps(C + r * ldc + 16 * v) : _mm512_setzero_ps();
  for (int64_t k = 0; k < K; ++k) {
    __m512 b[V];
    for (int v = 0; v < V; ++v) b[v] = _mm512_loadu_ps(B + k * ldb + 16 * v);
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(A[r * lda + k * acs]);
      for (int v = 0; v < V; ++v) c[r][v] = _mm512_fmadd_ps(a, b[v], c[r][v]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) _mm512_storeu_ps(C + r * ldc + 16 * v, c[r][v]);
}

// All M rows of a 16V-column strip: R rows at a time, then the rest one by one.
template <int V, int R>
MD_INLINE void block_strip_avx512(int64_t M, int64_t K, const float* A, int64_t lda, int64_t acs, const float* B,
                                  int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  int64_t i = 0;
  for (; i + R <= M; i += R) block_rows_avx512<R, V>(K, A + i * lda, lda, acs, B, ldb, C + i * ldc, ldc, accumulate);
  for (; i < M; ++i) block_rows_avx512<1, V>(K, A + i * lda, lda, acs, B, ldb, C + i * ldc, ldc, accumulate);
}
#endif

#if defined(__AVX2__) && !defined(__AVX512F__)
// R rows x 16 columns of C in 2R ymm accumulators (R <= 6 leaves registers for two B vectors and
// the broadcast of A), 16 columns at a time; the same order of additions as the plain loop.
template <int R>
MD_INLINE void block_rows_avx2(int64_t N, int64_t K, const float* A, int64_t lda, int64_t acs, const float* B, int64_t ldb,
                               float* C, int64_t ldc, bool accumulate) {
  for (int64_t n = 0; n < N; n += 16) {
    __m256 c[R][2];
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < 2; ++v) c[r][v] = accumulate ? _mm256_loadu_ps(C + r * ldc + n + 8 * v) : _mm256_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
      const __m256 b0 = _mm256_loadu_ps(B + k * ldb + n), b1 = _mm256_loadu_ps(B + k * ldb + n + 8);
      for (int r = 0; r < R; ++r) {
        const __m256 a = _mm256_broadcast_ss(A + r * lda + k * acs);
        c[r][0] = _mm256_fmadd_ps(a, b0, c[r][0]);
        c[r][1] = _mm256_fmadd_ps(a, b1, c[r][1]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int v = 0; v < 2; ++v) _mm256_storeu_ps(C + r * ldc + n + 8 * v, c[r][v]);
  }
}
#endif

// C[i][0:N] (+)= sum_k A(i, k) * B[k][0:N] for the small block products of attention, with
// A(i, k) = A[i * lda + k * acs] (acs > 1 reads A transposed). With N a multiple of 16 (the block
// width 64, and head dims 32/64/128) C is register-blocked: with AVX-512 in strips of up to 64
// columns (4 rows x 64, 5 x 48, or 8 x 32/16), with AVX2 six rows x 16 columns in 12 ymm registers.
// The plain loop below loads and stores C once per k, which at head dim 32 made attention the
// largest cost of training a small model.
MD_INLINE void block_gemm(int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, int64_t acs, const float* B,
                          int64_t ldb, float* C, int64_t ldc, bool accumulate) {
#if defined(__AVX512F__)
  if (N % 16 == 0) {
    for (int64_t n = 0; n < N; n += 64) {
      const float* b = B + n;
      float* c = C + n;
      switch (imin(4, (N - n) / 16)) {
        case 4: block_strip_avx512<4, 4>(M, K, A, lda, acs, b, ldb, c, ldc, accumulate); break;
        case 3: block_strip_avx512<3, 5>(M, K, A, lda, acs, b, ldb, c, ldc, accumulate); break;
        case 2: block_strip_avx512<2, 8>(M, K, A, lda, acs, b, ldb, c, ldc, accumulate); break;
        default: block_strip_avx512<1, 8>(M, K, A, lda, acs, b, ldb, c, ldc, accumulate); break;
      }
    }
    return;
  }
#elif defined(__AVX2__)
  if (N % 16 == 0) {
    int64_t i = 0;
    for (; i + 6 <= M; i += 6) block_rows_avx2<6>(N, K, A + i * lda, lda, acs, B, ldb, C + i * ldc, ldc, accumulate);
    const float* a = A + i * lda;
    float* c = C + i * ldc;
    switch (M - i) {
      case 1: block_rows_avx2<1>(N, K, a, lda, acs, B, ldb, c, ldc, accumulate); break;
      case 2: block_rows_avx2<2>(N, K, a, lda, acs, B, ldb, c, ldc, accumulate); break;
      case 3: block_rows_avx2<3>(N, K, a, lda, acs, B, ldb, c, ldc, accumulate); break;
      case 4: block_rows_avx2<4>(N, K, a, lda, acs, B, ldb, c, ldc, accumulate); break;
      case 5: block_rows_avx2<5>(N, K, a, lda, acs, B, ldb, c, ldc, accumulate); break;
      default: break;
    }
    return;
  }
#endif
  for (int64_t i = 0; i < M; ++i) {
    float* MD_RESTRICT c = C + i * ldc;
    if (!accumulate)
      for (int64_t n = 0; n < N; ++n) c[n] = 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float a = A[i * lda + k * acs];
      const float* MD_RESTRICT b = B + k * ldb;
      for (int64_t n = 0; n < N; ++n) c[n] += a * b[n];
    }
  }
}

constexpr int64_t BR = 64, BC = 64;
// Query rows up to which the forward pass takes the decoding layout (attention_fwd_decode).
constexpr int64_t kDecodeRows = 4;
static_assert(BC % 16 == 0, "the forward pass reduces score rows 16 lanes at a time");
constexpr float kMasked = -1e30f;

struct Shape {
  const AttentionArgs& a;
  int64_t group() const { return a.hq / a.hkv; }
  // Absolute key position of query row i; rows past s are the next heads' (the decoding layout
  // stacks a group's heads [group, s] into one block).
  int64_t qpos(int64_t i) const { return a.t - a.s + i % a.s; }
  const float* qrow(const float* q, int64_t b, int64_t h, int64_t i) const { return q + ((b * a.hq + h) * a.s + i) * a.d; }
  const float* krow(const float* k, int64_t b, int64_t g, int64_t j) const {
    return k + ((b * a.hkv + g) * a.t_stride + j) * a.d;
  }
};

// S[i][j] = scale * <q_i, k_j> for a br x bc block (masked entries = kMasked), with K transposed
// into kt [d][BC] so the inner loop runs along j.
MD_INLINE void scores(const Shape& sh, int64_t b, const float* q0, const float* kt, int64_t i0, int64_t br, int64_t j0,
                      int64_t bc, float* MD_RESTRICT S) {
  const int64_t d = sh.a.d;
  const int32_t* seg = sh.a.segment_ids ? sh.a.segment_ids + b * sh.a.t_stride : nullptr;
  block_gemm(br, BC, d, q0, d, 1, kt, BC, S, BC, false);
  // Below the diagonal without segments every key is visible to every row: nothing to mask.
  const bool all_visible = !seg && bc == BC && j0 + BC - 1 <= sh.qpos(i0);
  for (int64_t i = 0; i < br; ++i) {
    float* MD_RESTRICT srow = S + i * BC;
    for (int64_t j = 0; j < BC; ++j) srow[j] *= sh.a.scale;
    if (all_visible) continue;
    const int64_t p = sh.qpos(i0 + i);
    const int32_t qseg = seg ? seg[p] : 0;
    for (int64_t j = 0; j < bc; ++j) {
      int64_t key = j0 + j;
      if (key > p || (seg && seg[key] != qseg)) srow[j] = kMasked;
    }
    for (int64_t j = bc; j < BC; ++j) srow[j] = kMasked;
  }
}

// True when segment ids hide every key of [j0, j0 + bc) from every query row of [i0, i0 + br): the
// ids of one side all lie below or all above the other's. Packed and padding-free rows (many examples
// end to end) then cost the blocks of each example, not of the whole row. Skipping such a block is
// exact: its scores would all be masked, adding 0 to every sum.
MD_INLINE bool segments_apart(const Shape& sh, int64_t b, int64_t i0, int64_t br, int64_t j0, int64_t bc) {
  if (!sh.a.segment_ids) return false;
  const int32_t* seg = sh.a.segment_ids + b * sh.a.t_stride;
  int32_t qlo = seg[sh.qpos(i0)], qhi = qlo, klo = seg[j0], khi = klo;
  for (int64_t p = sh.qpos(i0); p <= sh.qpos(i0 + br - 1); ++p) {
    qlo = seg[p] < qlo ? seg[p] : qlo;
    qhi = seg[p] > qhi ? seg[p] : qhi;
  }
  for (int64_t j = j0; j < j0 + bc; ++j) {
    klo = seg[j] < klo ? seg[j] : klo;
    khi = seg[j] > khi ? seg[j] : khi;
  }
  return khi < qlo || klo > qhi;
}

#if defined(__AVX512F__) || defined(__AVX2__)
// A Vec::kLanes x Vec::kLanes block transposed in registers: on return r[k] holds lane k of each r[i].
MD_INLINE void transpose_lanes(Vec::T r[Vec::kLanes]) {
#if defined(__AVX512F__)
  transpose16x16(r);
#else
  transpose8x8(r);
#endif
}
#endif

// kt[k][j] = K[j0 + j][k] (zero past bc), transposed in registers a Vec::kLanes square at a time.
// Gathers were slower: AVX2's (Zen 3: about one value per 2 cycles) ran decoding attention over 512
// and 1024 cached keys 1.6x slower and training's 3-6%; AVX-512's, on a Zen 5 (2 threads, bench:ab),
// a decoding step's attention (16 rows, 537 cached keys) 1.55x slower.
MD_INLINE void load_transposed(const float* k0, int64_t d, int64_t bc, float* MD_RESTRICT kt) {
#if defined(__AVX512F__) || defined(__AVX2__)
  constexpr int L = static_cast<int>(Vec::kLanes);
  for (int64_t j = 0; j < BC; j += L) {
    const int64_t n = imax(0, imin(L, bc - j));
    int64_t k = 0;
    for (; k + L <= d; k += L) {
      Vec::T r[L];
      for (int i = 0; i < L; ++i) r[i] = i < n ? Vec::load(k0 + (j + i) * d + k) : Vec::zero();
      transpose_lanes(r);
      for (int i = 0; i < L; ++i) Vec::store(kt + (k + i) * BC + j, r[i]);
    }
    for (; k < d; ++k)
      for (int i = 0; i < L; ++i) kt[k * BC + j + i] = i < n ? k0[(j + i) * d + k] : 0.0f;
  }
#else
  for (int64_t j = 0; j < BC; ++j)
    for (int64_t k = 0; k < d; ++k) kt[k * BC + j] = j < bc ? k0[j * d + k] : 0.0f;
#endif
}

// All t rows of one head's K (or V) as transposed blocks: block jb at out + jb * d * BC. Every
// query block of every head in the group reads them, so they are transposed once per call
// instead of once per (query head, query block, key block).
MD_INLINE void transpose_blocks(const float* k0, int64_t t, int64_t d, float* MD_RESTRICT out) {
  for (int64_t j0 = 0; j0 < t; j0 += BC) load_transposed(k0 + j0 * d, d, imin(BC, t - j0), out + j0 / BC * d * BC);
}

GrowingBuffer transposed_kv;

// The running state of br query rows of one head: max m, sum l and the unnormalised output acc [br, d].
struct RowState {
  float* acc;
  float* m;
  float* l;
};

MD_INLINE void start_rows(const RowState& st, int64_t br, int64_t d) {
  for (int64_t i = 0; i < br; ++i) {
    st.m[i] = kMasked;
    st.l[i] = 0.0f;
  }
  for (int64_t i = 0; i < br * d; ++i) st.acc[i] = 0.0f;
}

// Folds key block [j0, j0 + bc) (kt: the block transposed, v0: its value rows) into the state of
// query rows i0..i0+br-1 of head (b, ·) whose queries start at q0; S is a BR x BC scratch.
MD_INLINE void fold_block(const Shape& sh, int64_t b, const float* q0, const float* kt, const float* v0, int64_t i0,
                          int64_t br, int64_t j0, int64_t bc, float* MD_RESTRICT S, const RowState& st) {
  const int64_t d = sh.a.d;
  scores(sh, b, q0, kt, i0, br, j0, bc, S);
  for (int64_t i = 0; i < br; ++i) {
    float* MD_RESTRICT srow = S + i * BC;
    const float block_max = row_max(srow, BC);
    const float mx = block_max > st.m[i] ? block_max : st.m[i];
    if (mx == kMasked) continue;  // nothing visible in this block yet
    // Sum over 16 lanes, then across them: a single running float would be a sequential
    // chain the compiler may not reorder (no -ffast-math), so the loop would not vectorise.
    float lanes[16];
    const float alpha = fast_exp(st.m[i] - mx);
    for (int u = 0; u < 16; ++u) lanes[u] = 0.0f;
    for (int64_t j = 0; j < BC; j += 16)
      for (int u = 0; u < 16; ++u) {
        const float p = srow[j + u] == kMasked ? 0.0f : fast_exp(srow[j + u] - mx);
        srow[j + u] = p;
        lanes[u] += p;
      }
    float sum = 0.0f;
    for (int u = 0; u < 16; ++u) sum += lanes[u];
    st.l[i] = st.l[i] * alpha + sum;
    st.m[i] = mx;
    float* MD_RESTRICT ai = st.acc + i * d;
    for (int64_t c = 0; c < d; ++c) ai[c] *= alpha;
  }
  // acc += P V (rows with nothing visible yet have P = 0: their scores were all masked).
  for (int64_t i = 0; i < br; ++i) {
    float* MD_RESTRICT srow = S + i * BC;
    if (srow[0] == kMasked)
      for (int64_t j = 0; j < BC; ++j) srow[j] = 0.0f;
  }
  block_gemm(br, d, bc, S, BC, 1, v0, d, st.acc, d, true);
}

// out = acc / l and lse = m + log l for the br rows of one head (rows that saw no key: 0 and kMasked).
MD_INLINE void finish_rows(const RowState& st, int64_t br, int64_t d, float* o0, float* lse0) {
  for (int64_t i = 0; i < br; ++i) {
    const float inv = st.l[i] > 0.0f ? 1.0f / st.l[i] : 0.0f;
    for (int64_t c = 0; c < d; ++c) o0[i * d + c] = st.acc[i * d + c] * inv;
    lse0[i] = st.l[i] > 0.0f ? st.m[i] + std::log(st.l[i]) : kMasked;
  }
}

// Asks for the next key block's K and V rows (n floats each) while this one is computed: a decoding
// step reads the cache from memory (the weights streamed through since the last step evicted it),
// and the transposition's column reads alone leave the hardware prefetchers behind.
MD_INLINE void prefetch_rows(const float* k, const float* v, int64_t n) {
  for (int64_t i = 0; i < n; i += 16) {
    __builtin_prefetch(k + i);
    __builtin_prefetch(v + i);
  }
}

// A decoding step (a few query rows against a long KV cache): the queries of one (batch, kv head),
// [group, s, d] and contiguous, form one block of group * s rows (the row of query i of a head is
// i % s, see Shape::qpos), so one task per (batch, kv head) walks the key blocks once and
// multiplies each transposed block with every query head of the group at once. Every row sees the
// same additions in the same order as in the training layout below (one task per query head, all
// of K transposed up front), so the results are identical.
void attention_fwd_decode(const AttentionArgs& a, const float* q, const float* k, const float* v, float* out,
                          float* lse) {
  const Shape sh{a};
  const int64_t d = a.d, rows = sh.group() * a.s;
  parallel_for_if(a.b * a.hkv > 1 && a.b * a.hq * a.s * a.t * d >= kParallelFlops / 8, a.b * a.hkv, [&](int64_t bg) {
    const int64_t b = bg / a.hkv, g = bg % a.hkv;
    alignas(64) float S[BR * BC];
    Scratch buf(d * BC + rows * (d + 2));
    float* kt = buf.get();
    const RowState st{kt + d * BC, kt + d * BC + rows * d, kt + d * BC + rows * d + rows};
    start_rows(st, rows, d);
    const float* q0 = q + bg * rows * d;  // heads g * group.. of batch b: [group, s, d]
    for (int64_t j0 = 0; j0 <= sh.qpos(a.s - 1); j0 += BC) {
      const int64_t bc = imin(BC, a.t - j0);
      if (segments_apart(sh, b, 0, rows, j0, bc)) continue;
      prefetch_rows(sh.krow(k, b, g, j0 + BC), sh.krow(v, b, g, j0 + BC), imin(BC, a.t - j0 - BC) * d);
      load_transposed(sh.krow(k, b, g, j0), d, bc, kt);
      fold_block(sh, b, q0, kt, sh.krow(v, b, g, j0), 0, rows, j0, bc, S, st);
    }
    finish_rows(st, rows, d, out + bg * rows * d, lse + bg * rows);
  });
}

void attention_fwd(const AttentionArgs& a, const float* q, const float* k, const float* v, float* out, float* lse) {
  if (a.s <= kDecodeRows && a.s * (a.hq / a.hkv) <= BR) {
    attention_fwd_decode(a, q, k, v, out, lse);
    return;
  }
  const Shape sh{a};
  const int64_t d = a.d, qblocks = (a.s + BR - 1) / BR;
  const bool parallel = a.b * a.hq * a.s * a.t * d >= kParallelFlops;
  const int64_t kblocks = (a.t + BC - 1) / BC, head_kt = kblocks * d * BC;
  float* const kt_all = transposed_kv.get(a.b * a.hkv * head_kt);
  parallel_for_if(parallel, a.b * a.hkv, [&](int64_t bg) { transpose_blocks(k + bg * a.t_stride * d, a.t, d, kt_all + bg * head_kt); });
  parallel_for_if(parallel, a.b * a.hq * qblocks, [&](int64_t task) {
    const int64_t qb = task % qblocks, h = (task / qblocks) % a.hq, b = task / (qblocks * a.hq);
    const int64_t g = h / sh.group(), i0 = qb * BR, br = imin(BR, a.s - i0);
    alignas(64) float S[BR * BC];
    Scratch buf(BR * (d + 2));
    const RowState st{buf.get(), buf.get() + BR * d, buf.get() + BR * d + BR};
    start_rows(st, br, d);
    const float* q0 = sh.qrow(q, b, h, i0);
    const int64_t last_key = sh.qpos(i0 + br - 1);
    for (int64_t j0 = 0; j0 <= last_key; j0 += BC) {
      const int64_t bc = imin(BC, a.t - j0);
      if (segments_apart(sh, b, i0, br, j0, bc)) continue;
      fold_block(sh, b, q0, kt_all + (b * a.hkv + g) * head_kt + j0 / BC * d * BC, sh.krow(v, b, g, j0), i0, br, j0,
                 bc, S, st);
    }
    finish_rows(st, br, d, out + ((b * a.hq + h) * a.s + i0) * d, lse + (b * a.hq + h) * a.s + i0);
  });
}

// Per (batch, kv head): every query head of the group, every query block, every visible key
// block. dK and dV of the kv head belong to this task alone, so no two threads add into them.
void attention_bwd(const AttentionArgs& a, const float* q, const float* k, const float* v, const float* out,
                   const float* lse, const float* dout, float* dq, float* dk, float* dv) {
  const Shape sh{a};
  const int64_t d = a.d, group = sh.group();
  const bool parallel = a.b * a.hq * a.s * a.t * d >= kParallelFlops;
  const int64_t kblocks = (a.t + BC - 1) / BC, head_kt = kblocks * d * BC;
  float* const kvt_all = transposed_kv.get(a.b * a.hkv * 2 * head_kt);
  parallel_for_if(parallel, a.b * a.hkv, [&](int64_t task) {
    const int64_t g = task % a.hkv, b = task / a.hkv;
    float* dk0 = dk + (b * a.hkv + g) * a.t * d;
    float* dv0 = dv + (b * a.hkv + g) * a.t * d;
    for (int64_t i = 0; i < a.t * d; ++i) dk0[i] = dv0[i] = 0.0f;
    float* const kt_head = kvt_all + task * 2 * head_kt;
    float* const vt_head = kt_head + head_kt;
    transpose_blocks(sh.krow(k, b, g, 0), a.t, d, kt_head);
    transpose_blocks(sh.krow(v, b, g, 0), a.t, d, vt_head);
    alignas(64) float P[BR * BC], dS[BR * BC];
    Scratch buf(BR * d);
    float* dqacc = buf.get();
    float D[BR];
    for (int64_t h = g * group; h < (g + 1) * group; ++h) {
      for (int64_t i0 = 0; i0 < a.s; i0 += BR) {
        const int64_t br = imin(BR, a.s - i0);
        const float* q0 = sh.qrow(q, b, h, i0);
        const float* o0 = sh.qrow(out, b, h, i0);
        const float* do0 = sh.qrow(dout, b, h, i0);
        const float* lse0 = lse + (b * a.hq + h) * a.s + i0;
        for (int64_t i = 0; i < br; ++i) D[i] = dot(do0 + i * d, o0 + i * d, d);
        for (int64_t i = 0; i < br * d; ++i) dqacc[i] = 0.0f;
        const int64_t last_key = sh.qpos(i0 + br - 1);
        for (int64_t j0 = 0; j0 <= last_key; j0 += BC) {
          const int64_t bc = imin(BC, a.t - j0);
          if (segments_apart(sh, b, i0, br, j0, bc)) continue;
          const float* k0 = sh.krow(k, b, g, j0);
          const float* vt = vt_head + j0 / BC * d * BC;
          scores(sh, b, q0, kt_head + j0 / BC * d * BC, i0, br, j0, bc, P);
          for (int64_t i = 0; i < br; ++i) {
            float* MD_RESTRICT prow = P + i * BC;
            const float L = lse0[i];
            for (int64_t j = 0; j < BC; ++j) prow[j] = prow[j] == kMasked ? 0.0f : fast_exp(prow[j] - L);
          }
          // dP = dO V^T, then dS = P * (dP - D) * scale (the scale of S = scale * QK^T).
          block_gemm(br, BC, d, do0, d, 1, vt, BC, dS, BC, false);
          for (int64_t i = 0; i < br; ++i) {
            float* MD_RESTRICT prow = P + i * BC;
            float* MD_RESTRICT dsrow = dS + i * BC;
            for (int64_t j = 0; j < BC; ++j) dsrow[j] = prow[j] * (dsrow[j] - D[i]) * a.scale;
          }
          // dV_j += P^T dO, dK_j += dS^T Q, dQ_i += dS K_j.
          block_gemm(bc, d, br, P, 1, BC, do0, d, dv0 + j0 * d, d, true);
          block_gemm(bc, d, br, dS, 1, BC, q0, d, dk0 + j0 * d, d, true);
          block_gemm(br, d, bc, dS, BC, 1, k0, d, dqacc, d, true);
        }
        float* dq0 = dq + ((b * a.hq + h) * a.s + i0) * d;
        for (int64_t i = 0; i < br * d; ++i) dq0[i] = dqacc[i];
      }
    }
  });
}

}  // namespace

void register_attention(Kernels& k) {
  k.attention_fwd = attention_fwd;
  k.attention_bwd = attention_bwd;
}

}  // namespace MD_ISA
}  // namespace md
