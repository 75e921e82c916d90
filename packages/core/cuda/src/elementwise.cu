// Broadcast binary ops, unary ops, casts, ranges, fills and the one strided copy that Transpose,
// Slice, Tile, Concat and SplitV are all expressed with (host code in addon.cc / the TS kernels
// computes the strides). Plain grid-stride loops: correctness first.
#include <cmath>
#include "common.cuh"

namespace mdc {

namespace {

/** Offsets into a and b of output element i (row-major over `shape`, strides 0 where broadcast). */
__device__ inline void broadcast_offsets(int64_t i, const Dims& shape, const Dims& as, const Dims& bs, int64_t* ao,
                                         int64_t* bo) {
  int64_t a = 0, b = 0;
  for (int d = shape.n - 1; d >= 0; --d) {
    const int64_t c = i % shape.v[d];
    i /= shape.v[d];
    a += c * as.v[d];
    b += c * bs.v[d];
  }
  *ao = a;
  *bo = b;
}

template <class T>
__device__ inline T apply_binary(int op, T x, T y) {
  switch (op) {
    case kAdd: return x + y;
    case kSub: return x - y;
    case kMul: return x * y;
    case kDiv: return x / y;
    case kMaximum: return x > y ? x : y;
    case kMinimum: return x < y ? x : y;
    case kSquaredDifference: return (x - y) * (x - y);
    default: return static_cast<T>(powf(static_cast<float>(x), static_cast<float>(y)));
  }
}

template <class T>
__global__ void binary_kernel(int op, const T* a, const T* b, T* out, Dims shape, Dims as, Dims bs, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t ao, bo;
    broadcast_offsets(i, shape, as, bs, &ao, &bo);
    out[i] = apply_binary<T>(op, a[ao], b[bo]);
  }
}

__global__ void unary_kernel(int op, const float* x, float* out, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const float v = x[i];
    float r;
    switch (op) {
      case kExp: r = expf(v); break;
      case kNeg: r = -v; break;
      case kSqrt: r = sqrtf(v); break;
      case kRsqrt: r = rsqrtf(v); break;
      case kSquare: r = v * v; break;
      case kSigmoid: r = 1.f / (1.f + expf(-v)); break;
      case kLog: r = logf(v); break;
      case kRelu: r = v > 0.f ? v : 0.f; break;
      case kTanh: r = tanhf(v); break;
      case kAbs: r = fabsf(v); break;
      case kReciprocal: r = 1.f / v; break;
      case kCos: r = cosf(v); break;
      case kSin: r = sinf(v); break;
      default: r = floorf(v); break;
    }
    out[i] = r;
  }
}

// float -> int32 truncates toward zero, as tfjs' cpu Cast (Int32Array.from) does.
__global__ void cast_kernel(const void* x, void* out, int64_t n, int from, int to, bool to_bool) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    if (to_bool) {
      const bool nz = from == kF32 ? static_cast<const float*>(x)[i] != 0.f : static_cast<const int32_t*>(x)[i] != 0;
      static_cast<int32_t*>(out)[i] = nz ? 1 : 0;
    } else if (from == kF32 && to == kI32) {
      static_cast<int32_t*>(out)[i] = static_cast<int32_t>(static_cast<const float*>(x)[i]);
    } else if (from == kI32 && to == kF32) {
      static_cast<float*>(out)[i] = static_cast<float>(static_cast<const int32_t*>(x)[i]);
    } else {
      static_cast<int32_t*>(out)[i] = static_cast<const int32_t*>(x)[i];
    }
  }
}

__global__ void range_kernel(void* out, int64_t n, double start, double delta, int dtype) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const double v = start + delta * static_cast<double>(i);
    if (dtype == kF32) static_cast<float*>(out)[i] = static_cast<float>(v);
    else static_cast<int32_t*>(out)[i] = static_cast<int32_t>(v);
  }
}

__global__ void fill_kernel(void* out, int64_t n, double value, int dtype) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    if (dtype == kF32) static_cast<float*>(out)[i] = static_cast<float>(value);
    else static_cast<int32_t*>(out)[i] = static_cast<int32_t>(value);
  }
}

__global__ void strided_copy_kernel(const int32_t* src, int32_t* dst, Dims iter, Dims ss, Dims sm, Dims ds,
                                    int64_t so, int64_t dso, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, s = so, d = dso;
    for (int k = iter.n - 1; k >= 0; --k) {
      const int64_t c = rest % iter.v[k];
      rest /= iter.v[k];
      s += (c % sm.v[k]) * ss.v[k];
      d += c * ds.v[k];
    }
    dst[d] = src[s];
  }
}

}  // namespace

void binary(int op, int dtype, const void* a, const void* b, void* out, const Dims& shape, const Dims& as,
            const Dims& bs, int64_t n) {
  if (n == 0) return;
  if (dtype == kF32) {
    binary_kernel<float><<<grid_for(n), kThreads, 0, stream()>>>(op, static_cast<const float*>(a),
        static_cast<const float*>(b), static_cast<float*>(out), shape, as, bs, n);
  } else {
    binary_kernel<int32_t><<<grid_for(n), kThreads, 0, stream()>>>(op, static_cast<const int32_t*>(a),
        static_cast<const int32_t*>(b), static_cast<int32_t*>(out), shape, as, bs, n);
  }
}

void unary(int op, const float* x, float* out, int64_t n) {
  if (n > 0) unary_kernel<<<grid_for(n), kThreads, 0, stream()>>>(op, x, out, n);
}

void cast(const void* x, void* out, int64_t n, int from, int to, bool to_bool) {
  if (n > 0) cast_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, out, n, from, to, to_bool);
}

void range(void* out, int64_t n, double start, double delta, int dtype) {
  if (n > 0) range_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, n, start, delta, dtype);
}

void fill(void* out, int64_t n, double value, int dtype) {
  if (n > 0) fill_kernel<<<grid_for(n), kThreads, 0, stream()>>>(out, n, value, dtype);
}

void strided_copy(const int32_t* src, int32_t* dst, const Dims& iter, const Dims& src_strides, const Dims& src_mod,
                  const Dims& dst_strides, int64_t src_offset, int64_t dst_offset, int64_t n) {
  if (n > 0) {
    strided_copy_kernel<<<grid_for(n), kThreads, 0, stream()>>>(src, dst, iter, src_strides, src_mod, dst_strides,
                                                                src_offset, dst_offset, n);
  }
}

}  // namespace mdc
