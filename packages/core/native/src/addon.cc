// N-API entry points of the `native` backend: thin wrappers that check buffer sizes and call
// the kernel table chosen for this CPU. Every array argument is a typed array whose storage is
// used in place (no copies); sizes and shapes are plain numbers or Float64Arrays.
#include <napi.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <unordered_map>
#include <sys/mman.h>

#include "cpu_features.h"
#include "decoder_layer.h"
#include "kernels.h"
#include "thread_pool.h"

namespace md {

const Kernels& kernels() {
  static const Kernels& table = [] () -> const Kernels& {
    switch (detected_isa()) {
      case Isa::kAvx512: return avx512::kernels();
      case Isa::kAvx2: return avx2::kernels();
      default: return generic::kernels();
    }
  }();
  return table;
}

namespace {

[[noreturn]] void fail(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, "mixdistill native: " + msg);
}

int64_t num(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) fail(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

double real(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) fail(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

constexpr const char* typed_array_name(napi_typedarray_type type) {
  return type == napi_float32_array ? "a Float32Array" : type == napi_int32_array ? "an Int32Array" : "a Float64Array";
}

// v as a typed array of kType with at least min_len elements; where() names it in an error (only
// built when one is raised: this runs for every argument of every kernel call).
template <class T, napi_typedarray_type kType, class Where>
T* typed_array(Napi::Env env, const Napi::Value& v, int64_t min_len, const Where& where) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType)
    fail(env, where() + " must be " + typed_array_name(kType));
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (static_cast<int64_t>(arr.ElementLength()) < min_len)
    fail(env, where() + " has " + std::to_string(arr.ElementLength()) + " elements, needs " + std::to_string(min_len));
  return arr.Data();
}

template <class T, napi_typedarray_type kType>
T* array(const Napi::CallbackInfo& info, size_t i, int64_t min_len, const char* what) {
  return typed_array<T, kType>(info.Env(), info[i], min_len,
                               [&] { return std::string(what) + ": argument " + std::to_string(i); });
}

float* f32(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* what) {
  return array<float, napi_float32_array>(info, i, n, what);
}
int32_t* i32(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* what) {
  return array<int32_t, napi_int32_array>(info, i, n, what);
}
double* f64(const Napi::CallbackInfo& info, size_t i, int64_t n, const char* what) {
  return array<double, napi_float64_array>(info, i, n, what);
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  auto out = Napi::Object::New(env);
  out.Set("isa", kernels().isa);
  out.Set("threads", pool_threads());
  out.Set("bf16", cpu_has_avx512_bf16() ? "vdpbf16ps" : "widen");
  return out;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int64_t n = num(info, 0);
  if (n < 1 || n > 1024) fail(info.Env(), "threads must be in [1, 1024]");
  set_pool_threads(static_cast<int>(n));
  return info.Env().Undefined();
}

// Float32 storage outside the JS heap: 64-byte aligned, 2 MiB-aligned and marked for
// transparent huge pages when large, so first touch faults 2 MiB at a time. Blocks can be freed
// early by Free (the buffer pool drops one) or late by the garbage collector, whichever is first.
struct Block {
  void* data;
  size_t bytes;
};

std::unordered_map<void*, Block*>& live_blocks() {
  static std::unordered_map<void*, Block*> blocks;  // touched only on the JS thread
  return blocks;
}

void release_block(Napi::Env env, Block* block) {
  std::free(block->data);
  Napi::MemoryManagement::AdjustExternalMemory(env, -static_cast<int64_t>(block->bytes));
  live_blocks().erase(block->data);
  block->data = nullptr;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 0);
  if (n < 0) fail(info.Env(), "alloc: negative size");
  size_t bytes = static_cast<size_t>(n > 0 ? n : 1) * sizeof(float);
  constexpr size_t kHuge = size_t{2} << 20;
  const size_t align = bytes >= kHuge ? kHuge : 64;
  // Sizes are rounded to 64 bytes only: glibc's aligned_alloc takes any size, and a tail shorter
  // than a huge page stays in 4 KiB pages (rounding to 2 MiB cost ~120 MB of RSS over the 72 MLP
  // matrices of a bf16 Qwen2.5-0.5B).
  bytes = (bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(align, bytes);
  if (p == nullptr) throw Napi::Error::New(info.Env(), "mixdistill native: out of memory allocating " + std::to_string(bytes) + " bytes");
#ifdef MADV_HUGEPAGE
  if (bytes >= kHuge) madvise(p, bytes, MADV_HUGEPAGE);
#endif
  Napi::MemoryManagement::AdjustExternalMemory(info.Env(), static_cast<int64_t>(bytes));
  Block* block = new Block{p, bytes};
  live_blocks()[p] = block;
  auto buffer = Napi::ArrayBuffer::New(info.Env(), p, static_cast<size_t>(n) * sizeof(float),
                                       [](Napi::Env env, void* /*data*/, Block* b) {
                                         if (b->data != nullptr) release_block(env, b);
                                         delete b;
                                       },
                                       block);
  return Napi::Float32Array::New(info.Env(), static_cast<size_t>(n), buffer, 0);
}

// free(array): returns an alloc'd block to the OS now and detaches its ArrayBuffer, so a stale
// reference throws instead of reading freed memory. The caller guarantees nothing needs it.
Napi::Value Free(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray()) fail(info.Env(), "free: expected a Float32Array from alloc");
  Napi::ArrayBuffer buffer = info[0].As<Napi::TypedArray>().ArrayBuffer();
  auto it = live_blocks().find(buffer.Data());
  if (it == live_blocks().end()) fail(info.Env(), "free: this array was not allocated by alloc");
  Block* block = it->second;
  buffer.Detach();
  release_block(info.Env(), block);
  return info.Env().Undefined();
}

// batchMatMul(a, b, out, batch, M, N, K, transA, transB, aIdx: Int32Array, bIdx: Int32Array, bf16)
// a holds matrices [M, K] (or [K, M] when transA) at aIdx[i] * M * K; out is [batch, M, N]; bf16:
// multiply the operands rounded to bfloat16 (float32 accumulation).
Napi::Value BatchMatMul(const Napi::CallbackInfo& info) {
  const int64_t batch = num(info, 3), M = num(info, 4), N = num(info, 5), K = num(info, 6);
  const bool ta = info[7].ToBoolean(), tb = info[8].ToBoolean();
  const int32_t* ai = i32(info, 9, batch, "batchMatMul");
  const int32_t* bi = i32(info, 10, batch, "batchMatMul");
  auto a_arr = info[0].As<Napi::Float32Array>();
  auto b_arr = info[1].As<Napi::Float32Array>();
  int64_t a_mats = static_cast<int64_t>(a_arr.ElementLength()) / (M * K > 0 ? M * K : 1);
  int64_t b_mats = static_cast<int64_t>(b_arr.ElementLength()) / (K * N > 0 ? K * N : 1);
  std::unique_ptr<int64_t[]> aoff(new int64_t[batch]), boff(new int64_t[batch]);
  for (int64_t i = 0; i < batch; ++i) {
    if (ai[i] < 0 || (M * K > 0 && ai[i] >= a_mats) || bi[i] < 0 || (K * N > 0 && bi[i] >= b_mats))
      fail(info.Env(), "batchMatMul: batch index out of range");
    aoff[i] = ai[i] * M * K;
    boff[i] = bi[i] * K * N;
  }
  BatchedGemmArgs args{};
  args.g.M = M;
  args.g.N = N;
  args.g.K = K;
  args.g.A = f32(info, 0, 0, "batchMatMul");
  args.g.a_rs = ta ? 1 : K;
  args.g.a_cs = ta ? M : 1;
  args.g.B = f32(info, 1, 0, "batchMatMul");
  args.g.b_rs = tb ? 1 : N;
  args.g.b_cs = tb ? K : 1;
  args.g.C = f32(info, 2, batch * M * N, "batchMatMul");
  args.g.ldc = N;
  args.g.accumulate = false;
  args.g.bf16 = info[11].ToBoolean();
  args.batch = batch;
  args.a_off = aoff.get();
  args.b_off = boff.get();
  kernels().gemm_batched(args);
  return info.Env().Undefined();
}

// binary(op, a, b, out, shape: Float64Array, aStrides: Float64Array, bStrides: Float64Array)
Napi::Value Binary(const Napi::CallbackInfo& info) {
  BinaryArgs x{};
  x.op = static_cast<BinaryOp>(num(info, 0));
  if (!info[4].IsTypedArray()) fail(info.Env(), "binary: shape must be a Float64Array");
  x.rank = static_cast<int>(info[4].As<Napi::Float64Array>().ElementLength());
  if (x.rank < 1 || x.rank > kMaxRank) fail(info.Env(), "binary: rank must be in [1, 8]");
  const double* shape = f64(info, 4, x.rank, "binary");
  const double* as = f64(info, 5, x.rank, "binary");
  const double* bs = f64(info, 6, x.rank, "binary");
  int64_t total = 1, a_need = 1, b_need = 1;
  for (int d = 0; d < x.rank; ++d) {
    x.shape[d] = static_cast<int64_t>(shape[d]);
    x.a_stride[d] = static_cast<int64_t>(as[d]);
    x.b_stride[d] = static_cast<int64_t>(bs[d]);
    total *= x.shape[d];
    if (x.shape[d] > 0) {
      a_need += (x.shape[d] - 1) * x.a_stride[d];
      b_need += (x.shape[d] - 1) * x.b_stride[d];
    }
  }
  x.a = f32(info, 1, total > 0 ? a_need : 0, "binary");
  x.b = f32(info, 2, total > 0 ? b_need : 0, "binary");
  x.out = f32(info, 3, total, "binary");
  if (total > 0) kernels().binary(x);
  return info.Env().Undefined();
}

// unary(op, x, out, n, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 3);
  kernels().unary(static_cast<UnaryOp>(num(info, 0)), f32(info, 1, n, "unary"), f32(info, 2, n, "unary"), n,
                  static_cast<float>(real(info, 4)));
  return info.Env().Undefined();
}

// reduce(op, x, out, outer, len, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const int64_t outer = num(info, 3), len = num(info, 4), inner = num(info, 5);
  kernels().reduce(static_cast<ReduceOp>(num(info, 0)), f32(info, 1, outer * len * inner, "reduce"),
                   f32(info, 2, outer * inner, "reduce"), outer, len, inner);
  return info.Env().Undefined();
}

// argMaxRows(x, out: Int32Array, rows, cols): out[r] = argmax of row r (kernels.h).
Napi::Value ArgMaxRows(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 2), cols = num(info, 3);
  if (cols < 1) fail(info.Env(), "argMaxRows: rows need at least one value");
  kernels().argmax_rows(f32(info, 0, rows * cols, "argMaxRows"), i32(info, 1, rows, "argMaxRows"), rows, cols);
  return info.Env().Undefined();
}

// softmax(x, out, rows, cols)
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 2), cols = num(info, 3);
  kernels().softmax(f32(info, 0, rows * cols, "softmax"), f32(info, 1, rows * cols, "softmax"), rows, cols);
  return info.Env().Undefined();
}

// transpose(x, out, shape: Float64Array, perm: Int32Array)
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const int rank = static_cast<int>(info[2].As<Napi::Float64Array>().ElementLength());
  if (rank < 1 || rank > kMaxRank) fail(info.Env(), "transpose: rank must be in [1, 8]");
  const double* shape = f64(info, 2, rank, "transpose");
  const int32_t* perm = i32(info, 3, rank, "transpose");
  int64_t s[kMaxRank], total = 1;
  for (int d = 0; d < rank; ++d) {
    s[d] = static_cast<int64_t>(shape[d]);
    total *= s[d];
    if (perm[d] < 0 || perm[d] >= rank) fail(info.Env(), "transpose: bad permutation");
  }
  kernels().transpose(f32(info, 0, total, "transpose"), f32(info, 1, total, "transpose"), rank, s, perm);
  return info.Env().Undefined();
}

// gather(params, indices: Int32Array, out, outer, axisLen, inner)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  const int64_t outer = num(info, 3), axis_len = num(info, 4), inner = num(info, 5);
  const int64_t n_idx = static_cast<int64_t>(info[1].As<Napi::Int32Array>().ElementLength());
  kernels().gather(f32(info, 0, outer * axis_len * inner, "gather"), i32(info, 1, n_idx, "gather"),
                   f32(info, 2, outer * n_idx * inner, "gather"), outer, axis_len, inner, n_idx);
  return info.Env().Undefined();
}

// segmentSum(data, segmentIds: Int32Array, out, rows, inner, segments)
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 3), inner = num(info, 4), segments = num(info, 5);
  kernels().segment_sum(f32(info, 0, rows * inner, "segmentSum"), i32(info, 1, rows, "segmentSum"),
                        f32(info, 2, segments * inner, "segmentSum"), rows, inner, segments);
  return info.Env().Undefined();
}

// rmsNormForward(x, w, y, rstd, rows, h, eps)
Napi::Value RmsNormForward(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 4), h = num(info, 5);
  kernels().rmsnorm_fwd(f32(info, 0, rows * h, "rmsNorm"), f32(info, 1, h, "rmsNorm"), f32(info, 2, rows * h, "rmsNorm"),
                        f32(info, 3, rows, "rmsNorm"), rows, h, static_cast<float>(real(info, 6)));
  return info.Env().Undefined();
}

// rmsNormBackward(dy, x, w, rstd, dx, dw, rows, h)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 6), h = num(info, 7);
  kernels().rmsnorm_bwd(f32(info, 0, rows * h, "rmsNormGrad"), f32(info, 1, rows * h, "rmsNormGrad"),
                        f32(info, 2, h, "rmsNormGrad"), f32(info, 3, rows, "rmsNormGrad"),
                        f32(info, 4, rows * h, "rmsNormGrad"), f32(info, 5, h, "rmsNormGrad"), rows, h);
  return info.Env().Undefined();
}

// rope(x, cos, sin, out, b, heads, s, d, cosBatches, sign)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  const int64_t b = num(info, 4), heads = num(info, 5), s = num(info, 6), d = num(info, 7), cb = num(info, 8);
  if (d % 2 != 0) fail(info.Env(), "rope: head dim must be even");
  if (cb != 1 && cb != b) fail(info.Env(), "rope: cos/sin batch must be 1 or the batch of x");
  const int64_t n = b * heads * s * d;
  kernels().rope(f32(info, 0, n, "rope"), f32(info, 1, cb * s * d / 2, "rope"), f32(info, 2, cb * s * d / 2, "rope"),
                 f32(info, 3, n, "rope"), b, heads, s, d, cb, static_cast<float>(real(info, 9)));
  return info.Env().Undefined();
}

// swigluForward(gate, up, out, n) / swigluBackward(dy, gate, up, dgate, dup, n)
Napi::Value SwigluForward(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 3);
  kernels().swiglu_fwd(f32(info, 0, n, "swiglu"), f32(info, 1, n, "swiglu"), f32(info, 2, n, "swiglu"), n);
  return info.Env().Undefined();
}
Napi::Value SwigluBackward(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 5);
  kernels().swiglu_bwd(f32(info, 0, n, "swigluGrad"), f32(info, 1, n, "swigluGrad"), f32(info, 2, n, "swigluGrad"),
                       f32(info, 3, n, "swigluGrad"), f32(info, 4, n, "swigluGrad"), n);
  return info.Env().Undefined();
}

void check_labels(Napi::Env env, const int32_t* labels, int64_t rows, int64_t vocab) {
  for (int64_t r = 0; r < rows; ++r)
    if (labels[r] != -100 && (labels[r] < 0 || labels[r] >= vocab))
      fail(env, "crossEntropy: label " + std::to_string(labels[r]) + " at row " + std::to_string(r) +
                    " is outside [0, " + std::to_string(vocab) + ") and is not the ignore index -100");
}

// crossEntropyForward(logits, labels, lse, rows, vocab) -> summed loss
Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 3), vocab = num(info, 4);
  const int32_t* labels = i32(info, 1, rows, "crossEntropy");
  check_labels(info.Env(), labels, rows, vocab);
  double loss = kernels().xent_fwd(f32(info, 0, rows * vocab, "crossEntropy"), labels,
                                   f32(info, 2, rows, "crossEntropy"), rows, vocab);
  return Napi::Number::New(info.Env(), loss);
}

// crossEntropyBackward(logits, labels, lse, dloss, dlogits, rows, vocab)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 5), vocab = num(info, 6);
  const int32_t* labels = i32(info, 1, rows, "crossEntropyGrad");
  check_labels(info.Env(), labels, rows, vocab);
  kernels().xent_bwd(f32(info, 0, rows * vocab, "crossEntropyGrad"), labels, f32(info, 2, rows, "crossEntropyGrad"),
                     static_cast<float>(real(info, 3)), f32(info, 4, rows * vocab, "crossEntropyGrad"), rows, vocab);
  return info.Env().Undefined();
}

AttentionArgs attention_args(const Napi::CallbackInfo& info, size_t first, const Napi::Value& seg) {
  AttentionArgs a{};
  a.b = num(info, first);
  a.hq = num(info, first + 1);
  a.hkv = num(info, first + 2);
  a.s = num(info, first + 3);
  a.t = num(info, first + 4);
  a.d = num(info, first + 5);
  a.scale = static_cast<float>(real(info, first + 6));
  a.t_stride = info.Length() > first + 7 ? num(info, first + 7) : a.t;
  if (a.hkv < 1 || a.hq % a.hkv != 0) fail(info.Env(), "attention: query heads must be a multiple of kv heads");
  if (a.s > a.t) fail(info.Env(), "attention: more queries than keys");
  if (a.t_stride < a.t) fail(info.Env(), "attention: the key stride is below the key count");
  if (seg.IsTypedArray()) {
    auto arr = seg.As<Napi::Int32Array>();
    if (static_cast<int64_t>(arr.ElementLength()) < a.b * a.t_stride) fail(info.Env(), "attention: segmentIds too short");
    a.segment_ids = arr.Data();
  }
  return a;
}

// attentionForward(q, k, v, segmentIds | null, out, lse, b, hq, hkv, s, t, d, scale[, tStride]): k/v hold
// tStride rows per (batch, kv head), of which the first t are keys (a KV cache's capacity; default t).
Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  AttentionArgs a = attention_args(info, 6, info[3]);
  const int64_t qn = a.b * a.hq * a.s * a.d, kn = a.b * a.hkv * a.t_stride * a.d;
  kernels().attention_fwd(a, f32(info, 0, qn, "attention"), f32(info, 1, kn, "attention"), f32(info, 2, kn, "attention"),
                          f32(info, 4, qn, "attention"), f32(info, 5, a.b * a.hq * a.s, "attention"));
  return info.Env().Undefined();
}

// attentionBackward(q, k, v, segmentIds | null, out, lse, dout, dq, dk, dv, b, hq, hkv, s, t, d, scale)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  AttentionArgs a = attention_args(info, 10, info[3]);
  if (a.t_stride != a.t) fail(info.Env(), "attentionGrad: keys must fill k/v (no key stride)");
  const int64_t qn = a.b * a.hq * a.s * a.d, kn = a.b * a.hkv * a.t * a.d;
  const char* w = "attentionGrad";
  kernels().attention_bwd(a, f32(info, 0, qn, w), f32(info, 1, kn, w), f32(info, 2, kn, w), f32(info, 4, qn, w),
                          f32(info, 5, a.b * a.hq * a.s, w), f32(info, 6, qn, w), f32(info, 7, qn, w), f32(info, 8, kn, w),
                          f32(info, 9, kn, w));
  return info.Env().Undefined();
}

// adamw(param, paramOut, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step, gradScale)
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 5);
  const double beta1 = real(info, 7), beta2 = real(info, 8);
  const double step = real(info, 11);
  if (step < 1) fail(info.Env(), "adamw: step must be >= 1");
  kernels().adamw(f32(info, 0, n, "adamw"), f32(info, 1, n, "adamw"), f32(info, 2, n, "adamw"), f32(info, 3, n, "adamw"),
                  f32(info, 4, n, "adamw"), n, static_cast<float>(real(info, 6)), beta1, beta2, static_cast<float>(real(info, 9)), static_cast<float>(real(info, 10)),
                  1.0 - std::pow(beta1, step), 1.0 - std::pow(beta2, step), static_cast<float>(real(info, 12)));
  return info.Env().Undefined();
}

// sumSquares(x, n) -> Σ x² (float64)
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  const int64_t n = num(info, 1);
  return Napi::Number::New(info.Env(), kernels().sum_squares(f32(info, 0, n, "sumSquares"), n));
}

// matMulBf16(x, w: Int32Array, out, m, n, k, bias?): out [m, n] = x [m, k] · Wᵀ (+ bias [n] on
// every row), W [n, k] bf16 packed two per int32 (element 2i in the low half), i.e. the bytes of a
// bf16 array.
Napi::Value MatMulBf16(const Napi::CallbackInfo& info) {
  const int64_t m = num(info, 3), n = num(info, 4), k = num(info, 5);
  if (k % 2 != 0) fail(info.Env(), "matMulBf16: k must be even (bf16 pairs)");
  const int32_t* w = i32(info, 1, n * k / 2, "matMulBf16");
  const float* bias = info.Length() > 6 && !info[6].IsUndefined() && !info[6].IsNull() ? f32(info, 6, n, "matMulBf16") : nullptr;
  kernels().matmul_bf16(f32(info, 0, m * k, "matMulBf16"), reinterpret_cast<const uint16_t*>(w), bias,
                        f32(info, 2, m * n, "matMulBf16"), m, n, k);
  return info.Env().Undefined();
}

// gatherBf16(table: Int32Array, indices: Int32Array, out, rows, h): out [indices, h] = rows of the
// bf16 table [rows, h] (packed as in matMulBf16) widened to float32.
Napi::Value GatherBf16(const Napi::CallbackInfo& info) {
  const int64_t rows = num(info, 3), h = num(info, 4);
  if (h % 2 != 0) fail(info.Env(), "gatherBf16: row length must be even (bf16 pairs)");
  const int64_t n_idx = static_cast<int64_t>(info[1].As<Napi::Int32Array>().ElementLength());
  const int32_t* table = i32(info, 0, rows * h / 2, "gatherBf16");
  kernels().gather_bf16(reinterpret_cast<const uint16_t*>(table), i32(info, 1, n_idx, "gatherBf16"),
                        f32(info, 2, n_idx * h, "gatherBf16"), rows, h, n_idx);
  return info.Env().Undefined();
}

// Property `key` (named `name`) of `o` as a typed array of at least n elements (null when optional
// and absent). The keys are made once per call: a property read by a C string makes its V8 string
// anew each time, ~18 a layer.
template <class T, napi_typedarray_type kType>
T* property_array(const Napi::Object& o, const Napi::Value& key, const char* name, int64_t n, bool optional,
                  int64_t layer) {
  auto v = o.Get(key);
  if (optional && (v.IsUndefined() || v.IsNull())) return nullptr;
  return typed_array<T, kType>(o.Env(), v, n, [&] {
    return std::string("decoderLayers: ") + (layer < 0 ? "" : "layer " + std::to_string(layer) + " ") + name;
  });
}

// decoderLayers(step, layers): one decoding step through consecutive pre-norm decoder layers
// (decoder_layer.h). `step` holds the sizes (batch, hidden, heads, kvHeads, headDim, intermediate,
// eps, scale, past, capacity), bf16Products (boolean) and the shared arrays: x (the first layer's
// input), y (the last layer's output), cos, sin (Float32Array) and segmentIds (Int32Array) or null.
// `layers` is an array of objects with inputNorm, postAttentionNorm (Float32Array), the weights q,
// k, v, o, gate, up, down (each an Int32Array of bf16 packed two per int32, or a Float32Array) with
// optional biases qBias … downBias, and keyCache, valueCache (written at `past`).
Napi::Value DecoderLayers(const Napi::CallbackInfo& info) {
  auto env = info.Env();
  if (!info[0].IsObject() || !info[1].IsArray()) fail(env, "decoderLayers: expected (step, layers[])");
  auto o = info[0].As<Napi::Object>();
  auto list = info[1].As<Napi::Array>();
  auto number = [&](const char* name) {
    auto v = o.Get(name);
    if (!v.IsNumber()) fail(env, std::string("decoderLayers: ") + name + " must be a number");
    return v.As<Napi::Number>();
  };
  auto size = [&](const char* name) { return number(name).Int64Value(); };
  auto real_of = [&](const char* name) { return static_cast<float>(number(name).DoubleValue()); };
  DecoderLayerArgs a{};
  a.batch = size("batch");
  a.hidden = size("hidden");
  a.heads = size("heads");
  a.kv_heads = size("kvHeads");
  a.head_dim = size("headDim");
  a.intermediate = size("intermediate");
  a.eps = real_of("eps");
  a.scale = real_of("scale");
  a.past = size("past");
  a.capacity = size("capacity");
  a.bf16_products = o.Get("bf16Products").ToBoolean();
  const int64_t m = a.batch, h = a.hidden, d = a.head_dim, inter = a.intermediate;
  const int64_t qw = a.heads * d, kvw = a.kv_heads * d;
  if (m < 1 || h < 2 || h % 2 != 0 || d < 2 || d % 2 != 0 || inter < 2 || inter % 2 != 0 || qw % 2 != 0)
    fail(env, "decoderLayers: sizes must be positive and even");
  if (a.kv_heads < 1 || a.heads % a.kv_heads != 0) fail(env, "decoderLayers: heads must be a multiple of kvHeads");
  if (a.past < 0 || a.past >= a.capacity) fail(env, "decoderLayers: past must lie in [0, capacity)");
  const int64_t count = static_cast<int64_t>(list.Length());
  if (count < 1) fail(env, "decoderLayers: no layers");
  auto key = [&](const char* name) { return Napi::String::New(env, name); };
  a.x = property_array<float, napi_float32_array>(o, key("x"), "x", m * h, false, -1);
  a.y = property_array<float, napi_float32_array>(o, key("y"), "y", m * h, false, -1);
  a.cos = property_array<float, napi_float32_array>(o, key("cos"), "cos", m * d / 2, false, -1);
  a.sin = property_array<float, napi_float32_array>(o, key("sin"), "sin", m * d / 2, false, -1);
  a.segment_ids = property_array<int32_t, napi_int32_array>(o, key("segmentIds"), "segmentIds", m * a.capacity, true, -1);
  // The per-layer keys, made once.
  const char* kNames[] = {"inputNorm", "postAttentionNorm", "keyCache", "valueCache", "q", "qBias", "k", "kBias", "v",
                          "vBias", "o", "oBias", "gate", "gateBias", "up", "upBias", "down", "downBias"};
  constexpr int kKeys = sizeof(kNames) / sizeof(kNames[0]);
  Napi::Value keys[kKeys];
  for (int i = 0; i < kKeys; ++i) keys[i] = key(kNames[i]);
  std::vector<DecoderLayerArgs> layers(static_cast<size_t>(count), a);
  for (int64_t l = 0; l < count; ++l) {
    auto item = list.Get(static_cast<uint32_t>(l));
    if (!item.IsObject()) fail(env, "decoderLayers: layer " + std::to_string(l) + " must be an object");
    auto lo = item.As<Napi::Object>();
    auto floats = [&](int i, int64_t n, bool optional = false) {
      return property_array<float, napi_float32_array>(lo, keys[i], kNames[i], n, optional, l);
    };
    // A weight [out, in]: bf16 packed two per int32, or float32.
    auto linear = [&](int i, int64_t out, int64_t in) {
      DecoderLinear w{nullptr, nullptr, floats(i + 1, out, true)};
      auto v = lo.Get(keys[i]);
      if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_float32_array)
        w.w_f32 = floats(i, out * in);
      else
        w.w_bf16 = reinterpret_cast<const uint16_t*>(
            property_array<int32_t, napi_int32_array>(lo, keys[i], kNames[i], out * in / 2, false, l));
      return w;
    };
    DecoderLayerArgs& x = layers[static_cast<size_t>(l)];
    x.input_norm = floats(0, h);
    x.post_attention_norm = floats(1, h);
    x.key_cache = floats(2, m * kvw * a.capacity);
    x.value_cache = floats(3, m * kvw * a.capacity);
    x.q = linear(4, qw, h);
    x.k = linear(6, kvw, h);
    x.v = linear(8, kvw, h);
    x.o = linear(10, h, qw);
    x.gate = linear(12, inter, h);
    x.up = linear(14, inter, h);
    x.down = linear(16, h, inter);
  }
  decoder_layers(layers);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("batchMatMul", Napi::Function::New(env, BatchMatMul));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("reduce", Napi::Function::New(env, Reduce));
  exports.Set("argMaxRows", Napi::Function::New(env, ArgMaxRows));
  exports.Set("softmax", Napi::Function::New(env, Softmax));
  exports.Set("transpose", Napi::Function::New(env, Transpose));
  exports.Set("gather", Napi::Function::New(env, Gather));
  exports.Set("segmentSum", Napi::Function::New(env, SegmentSum));
  exports.Set("rmsNormForward", Napi::Function::New(env, RmsNormForward));
  exports.Set("rmsNormBackward", Napi::Function::New(env, RmsNormBackward));
  exports.Set("rope", Napi::Function::New(env, Rope));
  exports.Set("swigluForward", Napi::Function::New(env, SwigluForward));
  exports.Set("swigluBackward", Napi::Function::New(env, SwigluBackward));
  exports.Set("crossEntropyForward", Napi::Function::New(env, CrossEntropyForward));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, CrossEntropyBackward));
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward));
  exports.Set("adamw", Napi::Function::New(env, AdamW));
  exports.Set("sumSquares", Napi::Function::New(env, SumSquares));
  exports.Set("matMulBf16", Napi::Function::New(env, MatMulBf16));
  exports.Set("gatherBf16", Napi::Function::New(env, GatherBf16));
  exports.Set("decoderLayers", Napi::Function::New(env, DecoderLayers));
  return exports;
}

}  // namespace
}  // namespace md

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return md::Init(env, exports); }

NODE_API_MODULE(mixdistill_native, InitAddon)
