#include "decoder_layer.h"

#include <cstring>
#include <vector>

#include "kernels.h"

namespace md {
namespace {

// The step's intermediates, kept between calls (only the JS thread runs a layer).
struct Scratch {
  std::vector<float> normed, rstd, q, roped_q, k, roped_k, v, attended, lse, proj, h, gate, up, act;
  std::vector<float> between[2];  // the hidden state between layers of a stack, in turns
};

Scratch& scratch() {
  static Scratch s;
  return s;
}

float* sized(std::vector<float>& buffer, int64_t n) {
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(static_cast<size_t>(n));
  return buffer.data();
}

// out [m, n] = x [m, k] · Wᵀ (+ bias): the kernels MdLinearBf16 or MdLinear run for it (for float32
// weights the product, then the bias added to it, as the composition's Add).
void linear(const Kernels& kn, const DecoderLinear& w, const float* x, float* out, int64_t m, int64_t n, int64_t k,
            bool bf16_products) {
  if (w.w_bf16) {
    kn.matmul_bf16(x, w.w_bf16, w.bias, out, m, n, k);
    return;
  }
  const int64_t first = 0;
  BatchedGemmArgs args{};
  args.g.M = m;
  args.g.N = n;
  args.g.K = k;
  args.g.A = x;
  args.g.a_rs = k;
  args.g.a_cs = 1;
  args.g.B = w.w_f32;  // [n, k]: B(kk, j) = W[j, kk]
  args.g.b_rs = 1;
  args.g.b_cs = k;
  args.g.C = out;
  args.g.ldc = n;
  args.g.accumulate = false;
  args.g.bf16 = bf16_products;
  args.batch = 1;
  args.a_off = &first;
  args.b_off = &first;
  kn.gemm_batched(args);
  if (!w.bias) return;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) out[i * n + j] += w.bias[j];
}

}  // namespace

void decoder_layer(const DecoderLayerArgs& a) {
  Scratch& s = scratch();
  const Kernels& kn = kernels();
  const int64_t m = a.batch, h = a.hidden, d = a.head_dim, qw = a.heads * d, kvw = a.kv_heads * d;
  const int64_t inter = a.intermediate;

  // Attention half: norm, projections, rotary embedding ([m, heads, 1, d] is [m, heads·d]).
  float* normed = sized(s.normed, m * h);
  float* rstd = sized(s.rstd, m);
  kn.rmsnorm_fwd(a.x, a.input_norm, normed, rstd, m, h, a.eps);
  float* q = sized(s.q, m * qw);
  float* k = sized(s.k, m * kvw);
  float* v = sized(s.v, m * kvw);
  linear(kn, a.q, normed, q, m, qw, h, a.bf16_products);
  linear(kn, a.k, normed, k, m, kvw, h, a.bf16_products);
  linear(kn, a.v, normed, v, m, kvw, h, a.bf16_products);
  float* roped_q = sized(s.roped_q, m * qw);
  kn.rope(q, a.cos, a.sin, roped_q, m, a.heads, 1, d, m, 1.0f);
  float* roped_k = sized(s.roped_k, m * kvw);
  kn.rope(k, a.cos, a.sin, roped_k, m, a.kv_heads, 1, d, m, 1.0f);

  // The new keys and values into the cache at position `past`.
  for (int64_t b = 0; b < m; ++b)
    for (int64_t g = 0; g < a.kv_heads; ++g) {
      const int64_t at = ((b * a.kv_heads + g) * a.capacity + a.past) * d;
      std::memcpy(a.key_cache + at, roped_k + (b * a.kv_heads + g) * d, static_cast<size_t>(d) * sizeof(float));
      std::memcpy(a.value_cache + at, v + (b * a.kv_heads + g) * d, static_cast<size_t>(d) * sizeof(float));
    }
  AttentionArgs att{};
  att.b = m;
  att.hq = a.heads;
  att.hkv = a.kv_heads;
  att.s = 1;
  att.t = a.past + 1;
  att.d = d;
  att.scale = a.scale;
  att.segment_ids = a.segment_ids;
  att.t_stride = a.capacity;
  float* attended = sized(s.attended, m * qw);
  kn.attention_fwd(att, roped_q, a.key_cache, a.value_cache, attended, sized(s.lse, m * a.heads));

  // Residual: h = x + o_proj(attended).
  float* proj = sized(s.proj, m * h);
  float* hid = sized(s.h, m * h);
  linear(kn, a.o, attended, proj, m, h, qw, a.bf16_products);
  for (int64_t i = 0; i < m * h; ++i) hid[i] = a.x[i] + proj[i];

  // MLP half: y = h + down_proj(silu(gate) * up).
  kn.rmsnorm_fwd(hid, a.post_attention_norm, normed, rstd, m, h, a.eps);
  float* gate = sized(s.gate, m * inter);
  float* up = sized(s.up, m * inter);
  linear(kn, a.gate, normed, gate, m, inter, h, a.bf16_products);
  linear(kn, a.up, normed, up, m, inter, h, a.bf16_products);
  float* act = sized(s.act, m * inter);
  kn.swiglu_fwd(gate, up, act, m * inter);
  linear(kn, a.down, act, proj, m, h, inter, a.bf16_products);
  for (int64_t i = 0; i < m * h; ++i) a.y[i] = hid[i] + proj[i];
}

void decoder_layers(const std::vector<DecoderLayerArgs>& layers) {
  const size_t count = layers.size();
  const float* x = layers[0].x;
  for (size_t i = 0; i < count; ++i) {
    DecoderLayerArgs a = layers[i];
    a.x = x;
    if (i + 1 < count) a.y = sized(scratch().between[i % 2], a.batch * a.hidden);
    else a.y = layers[count - 1].y;
    decoder_layer(a);
    x = a.y;
  }
}

}  // namespace md
