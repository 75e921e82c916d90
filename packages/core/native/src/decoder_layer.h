// One decoding step of a pre-norm (Llama/Qwen2) decoder layer with bf16 or float32 weights, run
// from C++ as the same sequence of table kernels that the model's tfjs ops would dispatch one by one:
//   h = x + o_proj(attention(rope(q_proj(norm1(x))), cache ← rope(k_proj(norm1(x))), v_proj(norm1(x))))
//   y = h + down_proj(silu(gate_proj(norm2(h))) * up_proj(norm2(h)))
// A token of Qwen2.5-0.5B is then one kernel call for its 24 layers instead of ~500, and the pool's
// workers stay hot between the products. The results are those of the separate kernels, bit for bit.
#pragma once
#include <cstdint>
#include <vector>

namespace md {

/** A linear layer: W [out, in] as bf16 bit patterns or as float32 (exactly one set), bias [out] or null. */
struct DecoderLinear {
  const uint16_t* w_bf16;
  const float* w_f32;
  const float* bias;
};

struct DecoderLayerArgs {
  int64_t batch;         // sequences, one new position each
  int64_t hidden;        // model width
  int64_t heads;         // query heads
  int64_t kv_heads;      // key/value heads (heads % kv_heads == 0)
  int64_t head_dim;      // d (even)
  int64_t intermediate;  // MLP width
  float eps;             // RMSNorm epsilon
  float scale;           // attention scale (1/sqrt(d) as the attention op computes it)
  int64_t past;          // positions already cached: the new one is written at `past`
  int64_t capacity;      // positions per (sequence, kv head) in the cache buffers (> past)
  const float* x;        // [batch, hidden]
  float* y;              // [batch, hidden]
  const float* input_norm;           // [hidden]
  const float* post_attention_norm;  // [hidden]
  DecoderLinear q, k, v, o, gate, up, down;
  const float* cos;  // [batch, d/2] for the new position
  const float* sin;  // [batch, d/2]
  float* key_cache;    // [batch, kv_heads, capacity, d], written at `past`
  float* value_cache;  // [batch, kv_heads, capacity, d]
  const int32_t* segment_ids;  // [batch, capacity] (the first past + 1 real) or null
  // Products with float32 weights multiply bf16-rounded operands, as MdLinear does under the
  // backend's bf16 precision (products with bf16 weights do not depend on it, as MdLinearBf16).
  bool bf16_products;
};

void decoder_layer(const DecoderLayerArgs& a);

/**
 * The step through consecutive layers: layers[0].x is the input and layers.back().y the output;
 * the other layers' x and y are ignored (the layers in between write to buffers kept here).
 */
void decoder_layers(const std::vector<DecoderLayerArgs>& layers);

}  // namespace md
