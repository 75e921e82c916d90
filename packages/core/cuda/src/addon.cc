// N-API entry points of the `cuda` backend. Device pointers travel to JavaScript as plain numbers
// (user-space device addresses fit in 53 bits); every launch goes on one stream and returns at
// once. Nothing here throws a C++ exception across N-API: each entry point turns failures into a
// JavaScript Error whose message starts with the function name.
#include <napi.h>

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "allocator.h"
#include "attention_chunked.h"
#include "cublas_api.h"
#include "cublas_loader.h"
#include "kernels.h"

namespace mdc {

namespace {

struct State {
  bool ready = false;
  cudaStream_t stream = nullptr;
  int* error_flag = nullptr;  // device int32[3]
  Cublas cublas;
  cublasHandle_t handle = nullptr;
  void* workspace = nullptr;
  int compute_type = kCublasCompute32F;
  bool bf16_operands = false;  // math mode bf16: A and B cast to CUDA_R_16BF, float32 accumulation and result
  CachingAllocator allocator;
};

State& state() {
  static State s;
  return s;
}

constexpr size_t kCublasWorkspaceBytes = size_t(32) << 20;

void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(err));
  }
}

void check_blas(cublasStatus_t status, const char* what) {
  if (status != 0) throw std::runtime_error(std::string(what) + " failed with cuBLAS status " + std::to_string(status));
}

void need_ready() {
  if (!state().ready) throw std::runtime_error("the CUDA backend is not initialised (call init first)");
}

// A launch error (bad configuration, a fault from an earlier kernel) surfaces here, naming the kernel.
// MIXDISTILL_CUDA_SYNC=1 also waits for each kernel, so a fault is reported by the kernel that made it.
void check_launch(const char* what) {
  static const bool sync_each = [] {
    const char* v = std::getenv("MIXDISTILL_CUDA_SYNC");
    return v != nullptr && v[0] == '1';
  }();
  check(cudaGetLastError(), what);
  if (sync_each) check(cudaStreamSynchronize(state().stream), what);
}

int64_t num(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::runtime_error("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

double real(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw std::runtime_error("argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

template <class T = void>
T* ptr(const Napi::CallbackInfo& info, size_t i) {
  return reinterpret_cast<T*>(static_cast<uintptr_t>(num(info, i)));
}

Dims dims(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsArray()) throw std::runtime_error("argument " + std::to_string(i) + " must be an array of numbers");
  auto arr = info[i].As<Napi::Array>();
  if (arr.Length() > kMaxDims) throw std::runtime_error("more than " + std::to_string(kMaxDims) + " dimensions");
  Dims d{};
  d.n = static_cast<int>(arr.Length());
  for (uint32_t k = 0; k < arr.Length(); ++k) d.v[k] = arr.Get(k).As<Napi::Number>().Int64Value();
  return d;
}

std::vector<std::string> strings(const Napi::CallbackInfo& info, size_t i) {
  std::vector<std::string> out;
  if (info.Length() <= i || !info[i].IsArray()) return out;
  auto arr = info[i].As<Napi::Array>();
  for (uint32_t k = 0; k < arr.Length(); ++k) out.push_back(arr.Get(k).As<Napi::String>().Utf8Value());
  return out;
}

// Wraps an entry point: C++ exceptions become JavaScript errors named after the function.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value entry(const Napi::CallbackInfo& info, const char* name) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), std::string("mixdistill cuda ") + name + ": " + e.what());
  }
}

// ---------------------------------------------------------------- probe and init

std::string device_description(Napi::Env env, Napi::Object out) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return cudaGetErrorString(err);
  }
  if (count == 0) return "no CUDA device is visible";
  cudaDeviceProp prop;
  err = cudaGetDeviceProperties(&prop, 0);
  if (err != cudaSuccess) {
    cudaGetLastError();
    return cudaGetErrorString(err);
  }
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  out.Set("device", Napi::String::New(env, prop.name));
  out.Set("cc", Napi::String::New(env, std::to_string(prop.major) + "." + std::to_string(prop.minor)));
  out.Set("totalBytes", Napi::Number::New(env, static_cast<double>(prop.totalGlobalMem)));
  out.Set("multiprocessors", Napi::Number::New(env, prop.multiProcessorCount));
  out.Set("driverVersion", Napi::Number::New(env, driver));
  out.Set("runtimeVersion", Napi::Number::New(env, runtime));
  if (prop.major < 8) return "compute capability " + std::to_string(prop.major) + "." + std::to_string(prop.minor) + " is below 8.0 (the addon is built for sm_80 and sm_90)";
  return "";
}

// probe(dirs) -> {ok, reason, device?, cc?, totalBytes?, cublas?}; never throws, creates no context.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  std::string reason = device_description(env, out);
  // cuBLAS is looked for even without a device, so one probe reports both problems.
  Cublas c;
  const std::string blas = open_cublas(strings(info, 0), &c);
  if (blas.empty()) out.Set("cublas", Napi::String::New(env, c.path));
  else out.Set("cublasReason", Napi::String::New(env, blas));
  if (reason.empty()) reason = blas;
  out.Set("ok", Napi::Boolean::New(env, reason.empty()));
  out.Set("reason", Napi::String::New(env, reason));
  return out;
}

// init(dirs) -> {device, cc, totalBytes, cublas, cublasVersion}: creates the stream, the error flag
// and the cuBLAS handle with its workspace.
Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  State& s = state();
  Napi::Object out = Napi::Object::New(env);
  std::string reason = device_description(env, out);
  if (!reason.empty()) throw std::runtime_error(reason);
  if (!s.ready) {
    reason = open_cublas(strings(info, 0), &s.cublas);
    if (!reason.empty()) throw std::runtime_error(reason);
    check(cudaSetDevice(0), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking), "cudaStreamCreate");
    check(cudaMalloc(&s.error_flag, 3 * sizeof(int)), "cudaMalloc(error flag)");
    check(cudaMemsetAsync(s.error_flag, 0, 3 * sizeof(int), s.stream), "cudaMemset(error flag)");
    check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize(init)");
    check_blas(s.cublas.create(&s.handle), "cublasCreate");
    check_blas(s.cublas.set_stream(s.handle, s.stream), "cublasSetStream");
    check(cudaMalloc(&s.workspace, kCublasWorkspaceBytes), "cudaMalloc(cuBLAS workspace)");
    check_blas(s.cublas.set_workspace(s.handle, s.workspace, kCublasWorkspaceBytes), "cublasSetWorkspace");
    s.ready = true;
  }
  int version = 0;
  s.cublas.get_version(s.handle, &version);
  out.Set("cublas", Napi::String::New(env, s.cublas.path));
  out.Set("cublasVersion", Napi::Number::New(env, version));
  return out;
}

// setMathMode('fp32' | 'tf32' | 'bf16'): the cuBLAS compute type of float32 products.
Napi::Value SetMathMode(const Napi::CallbackInfo& info) {
  const std::string mode = info[0].As<Napi::String>().Utf8Value();
  if (mode == "fp32") state().compute_type = kCublasCompute32F;
  else if (mode == "tf32") state().compute_type = kCublasCompute32FFastTF32;
  else if (mode == "bf16") state().compute_type = kCublasCompute32F;
  else throw std::runtime_error("unknown math mode '" + mode + "' (expected fp32, tf32 or bf16)");
  state().bf16_operands = mode == "bf16";
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- memory

Napi::Value Malloc(const Napi::CallbackInfo& info) {
  need_ready();
  void* p = state().allocator.alloc(static_cast<size_t>(num(info, 0)));
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(p)));
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  need_ready();
  state().allocator.release(ptr(info, 0));
  return info.Env().Undefined();
}

Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  need_ready();
  state().allocator.empty_cache();
  return info.Env().Undefined();
}

Napi::Value ResetPeak(const Napi::CallbackInfo& info) {
  state().allocator.reset_peak();
  return info.Env().Undefined();
}

Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const AllocatorStats st = state().allocator.stats();
  Napi::Object out = Napi::Object::New(env);
  out.Set("inUse", Napi::Number::New(env, static_cast<double>(st.in_use)));
  out.Set("cached", Napi::Number::New(env, static_cast<double>(st.cached)));
  out.Set("peak", Napi::Number::New(env, static_cast<double>(st.peak)));
  out.Set("mallocs", Napi::Number::New(env, static_cast<double>(st.mallocs)));
  size_t free_b = 0, total_b = 0;
  if (state().ready && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess) {
    out.Set("deviceFree", Napi::Number::New(env, static_cast<double>(free_b)));
    out.Set("deviceTotal", Napi::Number::New(env, static_cast<double>(total_b)));
  }
  return out;
}

// upload(dst, typedArray): host -> device. From pageable memory the call returns once the data is
// staged, so the caller may reuse its array at once.
Napi::Value Upload(const Napi::CallbackInfo& info) {
  need_ready();
  auto arr = info[1].As<Napi::TypedArray>();
  const size_t bytes = arr.ByteLength();
  const uint8_t* src = static_cast<const uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  check(cudaMemcpyAsync(ptr(info, 0), src, bytes, cudaMemcpyHostToDevice, state().stream), "cudaMemcpy H2D");
  return info.Env().Undefined();
}

// download(src, typedArray): device -> host, blocking (waits for every queued kernel).
Napi::Value Download(const Napi::CallbackInfo& info) {
  need_ready();
  auto arr = info[1].As<Napi::TypedArray>();
  const size_t bytes = arr.ByteLength();
  uint8_t* dst = static_cast<uint8_t*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  check(cudaMemcpyAsync(dst, ptr(info, 0), bytes, cudaMemcpyDeviceToHost, state().stream), "cudaMemcpy D2H");
  check(cudaStreamSynchronize(state().stream), "cudaStreamSynchronize after D2H");
  return info.Env().Undefined();
}

// copy(dst, src, bytes): device -> device on the stream.
Napi::Value Copy(const Napi::CallbackInfo& info) {
  need_ready();
  check(cudaMemcpyAsync(ptr(info, 0), ptr(info, 1), static_cast<size_t>(num(info, 2)), cudaMemcpyDeviceToDevice,
                        state().stream), "cudaMemcpy D2D");
  return info.Env().Undefined();
}

Napi::Value Memset0(const Napi::CallbackInfo& info) {
  need_ready();
  check(cudaMemsetAsync(ptr(info, 0), 0, static_cast<size_t>(num(info, 1)), state().stream), "cudaMemset");
  return info.Env().Undefined();
}

// sync() -> [code, value, limit]: waits for the stream, then reads and clears the device error flag.
Napi::Value Sync(const Napi::CallbackInfo& info) {
  need_ready();
  State& s = state();
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize");
  int flag[3] = {0, 0, 0};
  // On the backend's stream (non-blocking, so it does not order with the legacy default stream).
  check(cudaMemcpyAsync(flag, s.error_flag, sizeof(flag), cudaMemcpyDeviceToHost, s.stream), "reading the device error flag");
  check(cudaStreamSynchronize(s.stream), "cudaStreamSynchronize (error flag)");
  if (flag[0] != 0) check(cudaMemsetAsync(s.error_flag, 0, sizeof(flag), s.stream), "clearing the device error flag");
  Napi::Array out = Napi::Array::New(info.Env(), 3);
  for (uint32_t i = 0; i < 3; ++i) out.Set(i, Napi::Number::New(info.Env(), flag[i]));
  return out;
}

// ---------------------------------------------------------------- events (time(), async read)

Napi::Value EventRecord(const Napi::CallbackInfo& info) {
  need_ready();
  cudaEvent_t e;
  check(cudaEventCreate(&e), "cudaEventCreate");
  check(cudaEventRecord(e, state().stream), "cudaEventRecord");
  return Napi::Number::New(info.Env(), static_cast<double>(reinterpret_cast<uintptr_t>(e)));
}

Napi::Value EventDone(const Napi::CallbackInfo& info) {
  const cudaError_t err = cudaEventQuery(ptr<CUevent_st>(info, 0));
  if (err == cudaErrorNotReady) {
    cudaGetLastError();
    return Napi::Boolean::New(info.Env(), false);
  }
  check(err, "cudaEventQuery");
  return Napi::Boolean::New(info.Env(), true);
}

// eventElapsed(start, end) -> ms, waiting for `end`.
Napi::Value EventElapsed(const Napi::CallbackInfo& info) {
  cudaEvent_t a = ptr<CUevent_st>(info, 0), b = ptr<CUevent_st>(info, 1);
  check(cudaEventSynchronize(b), "cudaEventSynchronize");
  float ms = 0.f;
  check(cudaEventElapsedTime(&ms, a, b), "cudaEventElapsedTime");
  return Napi::Number::New(info.Env(), ms);
}

Napi::Value EventDestroy(const Napi::CallbackInfo& info) {
  cudaEventDestroy(ptr<CUevent_st>(info, 0));
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- kernels

Napi::Value Binary(const Napi::CallbackInfo& info) {
  need_ready();
  const Dims shape = dims(info, 5);
  int64_t n = 1;
  for (int k = 0; k < shape.n; ++k) n *= shape.v[k];
  binary(static_cast<int>(num(info, 0)), static_cast<int>(num(info, 1)), ptr(info, 2), ptr(info, 3), ptr(info, 4),
         shape, dims(info, 6), dims(info, 7), n);
  check_launch("binary");
  return info.Env().Undefined();
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  need_ready();
  unary(static_cast<int>(num(info, 0)), ptr<float>(info, 1), ptr<float>(info, 2), num(info, 3));
  check_launch("unary");
  return info.Env().Undefined();
}

// cast(x, out, n, from, to, toBool)
Napi::Value Cast(const Napi::CallbackInfo& info) {
  need_ready();
  cast(ptr(info, 0), ptr(info, 1), num(info, 2), static_cast<int>(num(info, 3)), static_cast<int>(num(info, 4)),
       info[5].As<Napi::Boolean>().Value());
  check_launch("cast");
  return info.Env().Undefined();
}

// range(out, n, start, delta, dtype)
Napi::Value Range(const Napi::CallbackInfo& info) {
  need_ready();
  range(ptr(info, 0), num(info, 1), real(info, 2), real(info, 3), static_cast<int>(num(info, 4)));
  check_launch("range");
  return info.Env().Undefined();
}

// fill(out, n, value, dtype)
Napi::Value Fill(const Napi::CallbackInfo& info) {
  need_ready();
  fill(ptr(info, 0), num(info, 1), real(info, 2), static_cast<int>(num(info, 3)));
  check_launch("fill");
  return info.Env().Undefined();
}

// stridedCopy(src, dst, iter, srcStrides, srcMod, dstStrides, srcOffset, dstOffset)
Napi::Value StridedCopy(const Napi::CallbackInfo& info) {
  need_ready();
  const Dims iter = dims(info, 2);
  int64_t n = 1;
  for (int k = 0; k < iter.n; ++k) n *= iter.v[k];
  strided_copy(ptr<int32_t>(info, 0), ptr<int32_t>(info, 1), iter, dims(info, 3), dims(info, 4), dims(info, 5),
               num(info, 6), num(info, 7), n);
  check_launch("stridedCopy");
  return info.Env().Undefined();
}

// reduce(op, dtype, x, out, outer, len, inner)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  need_ready();
  reduce(static_cast<int>(num(info, 0)), static_cast<int>(num(info, 1)), ptr(info, 2), ptr(info, 3), num(info, 4),
         num(info, 5), num(info, 6));
  check_launch("reduce");
  return info.Env().Undefined();
}

// argMaxRows(x, out, rows, cols)
Napi::Value ArgMaxRows(const Napi::CallbackInfo& info) {
  need_ready();
  argmax_rows(ptr<float>(info, 0), ptr<int32_t>(info, 1), num(info, 2), num(info, 3));
  check_launch("argMaxRows");
  return info.Env().Undefined();
}

// gather(x, indices, out, outer, axisLen, inner, nIdx)
Napi::Value Gather(const Napi::CallbackInfo& info) {
  need_ready();
  gather(ptr<int32_t>(info, 0), ptr<int32_t>(info, 1), ptr<int32_t>(info, 2), num(info, 3), num(info, 4), num(info, 5),
         num(info, 6));
  check_launch("gather");
  return info.Env().Undefined();
}

// segmentSum(x, ids, out, rows, inner, segments)
Napi::Value SegmentSum(const Napi::CallbackInfo& info) {
  need_ready();
  segment_sum(ptr<float>(info, 0), ptr<int32_t>(info, 1), ptr<float>(info, 2), num(info, 3), num(info, 4), num(info, 5));
  check_launch("segmentSum");
  return info.Env().Undefined();
}

// An operand of a product as cuBLAS gets it: the float32 tensor itself, or (math mode bf16) a bfloat16
// copy of its first `elements` values in scratch, released when the launch is queued (stream order
// keeps it alive until cuBLAS has read it).
struct Operand {
  const void* data;
  int type;
  void* scratch = nullptr;
  Operand(const float* x, int64_t elements) : data(x), type(kCudaR32F) {
    if (!state().bf16_operands || elements <= 0) return;
    scratch = state().allocator.alloc(sizeof(uint16_t) * static_cast<size_t>(elements));
    to_bf16(x, scratch, elements);
    check_launch("to_bf16");
    data = scratch;
    type = kCudaR16BF;
  }
  Operand(const Operand&) = delete;
  ~Operand() {
    if (scratch != nullptr) state().allocator.release(scratch);
  }
  /** Element offset into the operand (bf16 elements are 2 bytes). */
  const void* at(int64_t offset) const {
    return type == kCudaR16BF ? static_cast<const void*>(static_cast<const uint16_t*>(data) + offset)
                              : static_cast<const void*>(static_cast<const float*>(data) + offset);
  }
};

// Row-major C[m, n] = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: cuBLAS gets B first.
// gemm(a, b, c, batch, m, n, k, transA, transB, strideA, strideB, strideC[, beta]) — strides in elements,
// 0 = broadcast; C = op(A)·op(B) + beta·C (beta 0 when absent: C is only written).
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  need_ready();
  State& s = state();
  const float alpha = 1.f, beta = info.Length() > 12 ? static_cast<float>(real(info, 12)) : 0.f;
  const int64_t batch = num(info, 3), m = num(info, 4), n = num(info, 5), k = num(info, 6);
  const bool ta = info[7].As<Napi::Boolean>().Value(), tb = info[8].As<Napi::Boolean>().Value();
  const int lda = static_cast<int>(ta ? m : k), ldb = static_cast<int>(tb ? k : n);
  const int64_t stride_a = num(info, 9), stride_b = num(info, 10);
  if (batch == 0 || m == 0 || n == 0) return info.Env().Undefined();
  if (k == 0) {
    if (beta != 0.f && beta != 1.f) throw std::runtime_error("a k = 0 product takes beta 0 or 1");
    if (beta == 0.f)
      check(cudaMemsetAsync(ptr(info, 2), 0, sizeof(float) * batch * m * n, s.stream), "cudaMemset (k = 0 product)");
    return info.Env().Undefined();
  }
  // The elements the batches reach: the last batch's offset plus one matrix.
  const Operand a(ptr<float>(info, 0), (batch - 1) * stride_a + m * k);
  const Operand b(ptr<float>(info, 1), (batch - 1) * stride_b + k * n);
  check_blas(s.cublas.gemm_strided_batched_ex(s.handle, tb ? kCublasOpT : kCublasOpN, ta ? kCublasOpT : kCublasOpN,
                                              static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha,
                                              b.data, b.type, ldb, stride_b, a.data, a.type, lda, stride_a, &beta,
                                              ptr(info, 2), kCudaR32F, static_cast<int>(n), num(info, 11),
                                              static_cast<int>(batch), s.compute_type, kCublasGemmDefault),
             "cublasGemmStridedBatchedEx");
  return info.Env().Undefined();
}

// gemmIndexed(a, b, c, m, n, k, transA, transB, aIndex Int32Array, bIndex Int32Array): one product per
// output batch, for broadcast patterns that no single stride describes.
Napi::Value GemmIndexed(const Napi::CallbackInfo& info) {
  need_ready();
  State& s = state();
  const float alpha = 1.f, beta = 0.f;
  const int64_t m = num(info, 3), n = num(info, 4), k = num(info, 5);
  const bool ta = info[6].As<Napi::Boolean>().Value(), tb = info[7].As<Napi::Boolean>().Value();
  auto ai = info[8].As<Napi::Int32Array>(), bi = info[9].As<Napi::Int32Array>();
  const int lda = static_cast<int>(ta ? m : k), ldb = static_cast<int>(tb ? k : n);
  int64_t a_batches = 0, b_batches = 0;
  for (size_t i = 0; i < ai.ElementLength(); ++i) {
    a_batches = std::max<int64_t>(a_batches, int64_t(ai[i]) + 1);
    b_batches = std::max<int64_t>(b_batches, int64_t(bi[i]) + 1);
  }
  const Operand a(ptr<float>(info, 0), a_batches * m * k);
  const Operand b(ptr<float>(info, 1), b_batches * k * n);
  float* c = ptr<float>(info, 2);
  for (size_t i = 0; i < ai.ElementLength(); ++i) {
    check_blas(s.cublas.gemm_ex(s.handle, tb ? kCublasOpT : kCublasOpN, ta ? kCublasOpT : kCublasOpN,
                                static_cast<int>(n), static_cast<int>(m), static_cast<int>(k), &alpha,
                                b.at(int64_t(bi[i]) * k * n), b.type, ldb, a.at(int64_t(ai[i]) * m * k), a.type, lda,
                                &beta, c + int64_t(i) * m * n, kCudaR32F, static_cast<int>(n), s.compute_type,
                                kCublasGemmDefault),
               "cublasGemmEx");
  }
  return info.Env().Undefined();
}

// adamw(param, grad, m, v, n, lr, beta1, beta2, eps, weightDecay, step, gradScale): in place on param, m, v.
Napi::Value AdamW(const Napi::CallbackInfo& info) {
  need_ready();
  const double step = real(info, 10);
  if (step < 1) throw std::runtime_error("step must be >= 1");
  adamw(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3), num(info, 4),
        static_cast<float>(real(info, 5)), real(info, 6), real(info, 7), static_cast<float>(real(info, 8)),
        static_cast<float>(real(info, 9)), step, static_cast<float>(real(info, 11)));
  check_launch("adamw");
  return info.Env().Undefined();
}

// sumSquares(ptrs number[], sizes number[], out): out = Σ x² over every tensor (one float32 on the device).
Napi::Value SumSquares(const Napi::CallbackInfo& info) {
  need_ready();
  auto ptrs = info[0].As<Napi::Array>(), sizes = info[1].As<Napi::Array>();
  const uint32_t count = ptrs.Length();
  if (sizes.Length() != count) throw std::runtime_error("ptrs and sizes differ in length");
  std::vector<const float*> xs(count);
  std::vector<int64_t> ns(count);
  for (uint32_t i = 0; i < count; ++i) {
    xs[i] = reinterpret_cast<const float*>(
        static_cast<uintptr_t>(ptrs.Get(i).As<Napi::Number>().Int64Value()));
    ns[i] = sizes.Get(i).As<Napi::Number>().Int64Value();
  }
  const int64_t partials = sum_squares_scratch(ns.data(), count);
  // Scratch from the caching allocator, released at once: stream order keeps it until the kernels ran.
  void* scratch = state().allocator.alloc(sizeof(double) * (partials < 1 ? 1 : partials));
  sum_squares(xs.data(), ns.data(), count, static_cast<double*>(scratch), ptr<float>(info, 2));
  state().allocator.release(scratch);
  check_launch("sumSquares");
  return info.Env().Undefined();
}

// rmsNormForward(x, w, y, rstd, rows, h, eps)
Napi::Value RmsNormForward(const Napi::CallbackInfo& info) {
  need_ready();
  rms_norm_forward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3), num(info, 4),
                   num(info, 5), static_cast<float>(real(info, 6)));
  check_launch("rmsNormForward");
  return info.Env().Undefined();
}

// rmsNormBackward(dy, x, w, rstd, dx, dw, rows, h)
Napi::Value RmsNormBackward(const Napi::CallbackInfo& info) {
  need_ready();
  rms_norm_backward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3),
                    ptr<float>(info, 4), ptr<float>(info, 5), num(info, 6), num(info, 7));
  check_launch("rmsNormBackward");
  return info.Env().Undefined();
}

// rope(x, cos, sin, out, b, heads, s, d, cosBatches, sign)
Napi::Value Rope(const Napi::CallbackInfo& info) {
  need_ready();
  rope(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3), num(info, 4), num(info, 5),
       num(info, 6), num(info, 7), num(info, 8), static_cast<float>(real(info, 9)));
  check_launch("rope");
  return info.Env().Undefined();
}

Napi::Value SwigluForward(const Napi::CallbackInfo& info) {
  need_ready();
  swiglu_forward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), num(info, 3));
  check_launch("swigluForward");
  return info.Env().Undefined();
}

Napi::Value SwigluBackward(const Napi::CallbackInfo& info) {
  need_ready();
  swiglu_backward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3),
                  ptr<float>(info, 4), num(info, 5));
  check_launch("swigluBackward");
  return info.Env().Undefined();
}

// crossEntropyForward(logits, labels, lse, rowLoss, loss, rows, vocab)
Napi::Value CrossEntropyForward(const Napi::CallbackInfo& info) {
  need_ready();
  cross_entropy_forward(ptr<float>(info, 0), ptr<int32_t>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3),
                        ptr<float>(info, 4), num(info, 5), num(info, 6));
  check_launch("crossEntropyForward");
  return info.Env().Undefined();
}

// crossEntropyBackward(logits, labels, lse, dy, dlogits, rows, vocab)
Napi::Value CrossEntropyBackward(const Napi::CallbackInfo& info) {
  need_ready();
  cross_entropy_backward(ptr<float>(info, 0), ptr<int32_t>(info, 1), ptr<float>(info, 2), ptr<float>(info, 3),
                         ptr<float>(info, 4), num(info, 5), num(info, 6));
  check_launch("crossEntropyBackward");
  return info.Env().Undefined();
}

AttentionDims attention_dims(const Napi::CallbackInfo& info, size_t i) {
  AttentionDims a{num(info, i), num(info, i + 1), num(info, i + 2), num(info, i + 3), num(info, i + 4),
                  num(info, i + 5), static_cast<float>(real(info, i + 6))};
  if (a.d > kMaxHeadDim) throw std::runtime_error("head dim " + std::to_string(a.d) + " is above " + std::to_string(kMaxHeadDim));
  if (a.hkv == 0 || a.hq % a.hkv != 0) throw std::runtime_error("query heads are not a multiple of key/value heads");
  if (a.t < a.s) throw std::runtime_error("fewer keys than queries");
  return a;
}

// Which kernels serve an attention call. MIXDISTILL_CUDA_ATTENTION:
//   warp (the default) attention.cu's one warp a query row, on every call; verified on an H200;
//   chunked            the chunked cuBLAS products of attention_chunked.cu on every call;
//   auto               chunked from kChunkedMinRows query rows up (training, prefill), warp below
//                      (decoding): the intended default once a GPU check has passed it.
// The chunked path is compiled and wired but has not yet run on a GPU, so it stays opt-in.
// MIXDISTILL_CUDA_ATTENTION_ROWS=N caps its chunks at N query rows (to test several chunks at small shapes).
constexpr int64_t kChunkedMinRows = 4;

bool chunked_attention(const AttentionDims& a) {
  const char* v = std::getenv("MIXDISTILL_CUDA_ATTENTION");
  if (v == nullptr || v[0] == '\0' || std::strcmp(v, "warp") == 0) return false;
  if (std::strcmp(v, "chunked") == 0) return true;
  if (std::strcmp(v, "auto") == 0) return a.s >= kChunkedMinRows;
  throw std::runtime_error(std::string("MIXDISTILL_CUDA_ATTENTION is '") + v + "' (expected warp, chunked or auto)");
}

int64_t attention_chunk_rows() {
  const char* v = std::getenv("MIXDISTILL_CUDA_ATTENTION_ROWS");
  return v == nullptr ? 0 : std::max<int64_t>(0, std::atoll(v));
}

ProductContext product_context() {
  State& s = state();
  return {s.cublas, s.handle, s.compute_type, s.bf16_operands, s.allocator};
}

// attentionForward(q, k, v, seg|0, out, lse, b, hq, hkv, s, t, d, scale)
Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  need_ready();
  const AttentionDims a = attention_dims(info, 6);
  if (chunked_attention(a))
    attention_forward_chunked(product_context(), ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2),
                              ptr<int32_t>(info, 3), ptr<float>(info, 4), ptr<float>(info, 5), a,
                              attention_chunk_rows());
  else
    attention_forward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<int32_t>(info, 3),
                      ptr<float>(info, 4), ptr<float>(info, 5), a);
  check_launch("attentionForward");
  return info.Env().Undefined();
}

// attentionBackward(q, k, v, seg|0, out, lse, dout, dq, dk, dv, delta, b, hq, hkv, s, t, d, scale)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  need_ready();
  const AttentionDims a = attention_dims(info, 11);
  if (chunked_attention(a))
    attention_backward_chunked(product_context(), ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2),
                               ptr<int32_t>(info, 3), ptr<float>(info, 4), ptr<float>(info, 5), ptr<float>(info, 6),
                               ptr<float>(info, 7), ptr<float>(info, 8), ptr<float>(info, 9), ptr<float>(info, 10), a,
                               attention_chunk_rows());
  else
    attention_backward(ptr<float>(info, 0), ptr<float>(info, 1), ptr<float>(info, 2), ptr<int32_t>(info, 3),
                       ptr<float>(info, 4), ptr<float>(info, 5), ptr<float>(info, 6), ptr<float>(info, 7),
                       ptr<float>(info, 8), ptr<float>(info, 9), ptr<float>(info, 10), a);
  check_launch("attentionBackward");
  return info.Env().Undefined();
}

#define MDC_ENTRY(js, fn) \
  exports.Set(js, Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return entry<fn>(info, js); }))

Napi::Object Init_(Napi::Env env, Napi::Object exports) {
  MDC_ENTRY("probe", Probe);
  MDC_ENTRY("init", Init);
  MDC_ENTRY("setMathMode", SetMathMode);
  MDC_ENTRY("malloc", Malloc);
  MDC_ENTRY("free", Free);
  MDC_ENTRY("emptyCache", EmptyCache);
  MDC_ENTRY("memoryStats", MemoryStats);
  MDC_ENTRY("resetPeak", ResetPeak);
  MDC_ENTRY("upload", Upload);
  MDC_ENTRY("download", Download);
  MDC_ENTRY("copy", Copy);
  MDC_ENTRY("memset0", Memset0);
  MDC_ENTRY("sync", Sync);
  MDC_ENTRY("eventRecord", EventRecord);
  MDC_ENTRY("eventDone", EventDone);
  MDC_ENTRY("eventElapsed", EventElapsed);
  MDC_ENTRY("eventDestroy", EventDestroy);
  MDC_ENTRY("binary", Binary);
  MDC_ENTRY("unary", Unary);
  MDC_ENTRY("cast", Cast);
  MDC_ENTRY("range", Range);
  MDC_ENTRY("fill", Fill);
  MDC_ENTRY("stridedCopy", StridedCopy);
  MDC_ENTRY("reduce", Reduce);
  MDC_ENTRY("argMaxRows", ArgMaxRows);
  MDC_ENTRY("gather", Gather);
  MDC_ENTRY("segmentSum", SegmentSum);
  MDC_ENTRY("gemm", Gemm);
  MDC_ENTRY("gemmIndexed", GemmIndexed);
  MDC_ENTRY("rmsNormForward", RmsNormForward);
  MDC_ENTRY("rmsNormBackward", RmsNormBackward);
  MDC_ENTRY("rope", Rope);
  MDC_ENTRY("swigluForward", SwigluForward);
  MDC_ENTRY("swigluBackward", SwigluBackward);
  MDC_ENTRY("crossEntropyForward", CrossEntropyForward);
  MDC_ENTRY("crossEntropyBackward", CrossEntropyBackward);
  MDC_ENTRY("attentionForward", AttentionForward);
  MDC_ENTRY("attentionBackward", AttentionBackward);
  MDC_ENTRY("adamw", AdamW);
  MDC_ENTRY("sumSquares", SumSquares);
  return exports;
}

}  // namespace

cudaStream_t stream() { return state().stream; }
int* error_flag() { return state().error_flag; }

}  // namespace mdc

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return mdc::Init_(env, exports); }

NODE_API_MODULE(mixdistill_cuda, InitModule)
