// Reductions over the middle axis of [outer, len, inner], argmax over rows, gather along an axis, and
// segment sums.
// Straightforward kernels: one block per row when the reduced axis is innermost, else one thread
// per output walking the axis (coalesced across `inner`).
#include <cfloat>
#include <climits>
#include <type_traits>
#include "common.cuh"

namespace mdc {

namespace {

constexpr int kReduceThreads = 1024;

template <class T>
__device__ inline T identity_of(int op) {
  if constexpr (std::is_integral<T>::value) {
    if (op == kMax) return INT_MIN;
    if (op == kMin) return INT_MAX;
  } else {
    if (op == kMax) return -INFINITY;
    if (op == kMin) return INFINITY;
  }
  return T(0);
}

template <class T>
__device__ inline T combine(int op, T a, T b) {
  if (op == kMax) return a > b ? a : b;
  if (op == kMin) return a < b ? a : b;
  return a + b;  // kSum, kMean
}

// inner == 1: one block per row; partial results in shared memory, tree-combined.
template <class T>
__global__ void reduce_rows_kernel(int op, const T* x, T* out, int64_t outer, int64_t len) {
  __shared__ T part[kReduceThreads];
  for (int64_t row = blockIdx.x; row < outer; row += gridDim.x) {
    const T* xr = x + row * len;
    T acc = identity_of<T>(op);
    for (int64_t j = threadIdx.x; j < len; j += blockDim.x) acc = combine<T>(op, acc, xr[j]);
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
      if (threadIdx.x < w) part[threadIdx.x] = combine<T>(op, part[threadIdx.x], part[threadIdx.x + w]);
      __syncthreads();
    }
    if (threadIdx.x == 0) out[row] = op == kMean ? T(part[0] / T(len)) : part[0];
    __syncthreads();
  }
}

template <class T>
__global__ void reduce_cols_kernel(int op, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t n = outer * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = i / inner, r = i % inner;
    const T* xp = x + o * len * inner + r;
    T acc = identity_of<T>(op);
    for (int64_t j = 0; j < len; ++j) acc = combine<T>(op, acc, xp[j * inner]);
    out[i] = op == kMean ? T(acc / T(len)) : acc;
  }
}

template <class T>
void reduce_typed(int op, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  if (outer * inner == 0) return;
  if (inner == 1) {
    const int64_t blocks = outer < 65535 ? outer : 65535;
    reduce_rows_kernel<T><<<static_cast<unsigned>(blocks), kReduceThreads, 0, stream()>>>(op, x, out, outer, len);
  } else {
    reduce_cols_kernel<T><<<grid_for(outer * inner), kThreads, 0, stream()>>>(op, x, out, outer, len, inner);
  }
}

// Whether value v at index i beats the best so far: larger, or equal at a lower index. NaN never
// beats anything (both comparisons are false), so it is never a candidate.
__device__ inline bool beats(float v, int64_t i, float best, int64_t best_index) {
  return v > best || (v == best && i < best_index);
}

// One block per row: the index of the largest value, the lowest among equals; 0 when the row's first
// value is NaN (tfjs' cpu ArgMax scans with a strict > from index 0, so a NaN there never moves).
__global__ void argmax_rows_kernel(const float* x, int32_t* out, int64_t rows, int64_t cols) {
  __shared__ float best[kReduceThreads];
  __shared__ int64_t best_index[kReduceThreads];
  for (int64_t row = blockIdx.x; row < rows; row += gridDim.x) {
    const float* xr = x + row * cols;
    float b = -INFINITY;
    int64_t bi = cols;  // no candidate yet: any number, -inf included, beats it
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
      if (beats(xr[j], j, b, bi)) {
        b = xr[j];
        bi = j;
      }
    best[threadIdx.x] = b;
    best_index[threadIdx.x] = bi;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1) {
      const int t = threadIdx.x;
      if (t < w && beats(best[t + w], best_index[t + w], best[t], best_index[t])) {
        best[t] = best[t + w];
        best_index[t] = best_index[t + w];
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) out[row] = xr[0] != xr[0] || best_index[0] >= cols ? 0 : static_cast<int32_t>(best_index[0]);
    __syncthreads();
  }
}

__global__ void gather_kernel(const int32_t* x, const int32_t* indices, int32_t* out, int64_t outer, int64_t axis_len,
                              int64_t inner, int64_t n_idx, int* flag) {
  const int64_t n = outer * n_idx * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i % inner, j = (i / inner) % n_idx, o = i / (inner * n_idx);
    const int32_t idx = indices[j];
    if (idx < 0 || idx >= axis_len) {
      raise_error(flag, kGatherIndex, idx, static_cast<int>(axis_len));
      out[i] = 0;
    } else {
      out[i] = x[(o * axis_len + idx) * inner + r];
    }
  }
}

__global__ void segment_sum_kernel(const float* x, const int32_t* ids, float* out, int64_t rows, int64_t inner,
                                   int64_t segments) {
  const int64_t n = rows * inner;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int32_t seg = ids[i / inner];
    if (seg >= 0 && seg < segments) atomicAdd(out + seg * inner + i % inner, x[i]);
  }
}

}  // namespace

void reduce(int op, int dtype, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  if (dtype == kF32) reduce_typed<float>(op, static_cast<const float*>(x), static_cast<float*>(out), outer, len, inner);
  else reduce_typed<int32_t>(op, static_cast<const int32_t*>(x), static_cast<int32_t*>(out), outer, len, inner);
}

void argmax_rows(const float* x, int32_t* out, int64_t rows, int64_t cols) {
  if (rows == 0) return;
  const int64_t blocks = rows < 65535 ? rows : 65535;
  argmax_rows_kernel<<<static_cast<unsigned>(blocks), kReduceThreads, 0, stream()>>>(x, out, rows, cols);
}

void gather(const int32_t* x, const int32_t* indices, int32_t* out, int64_t outer, int64_t axis_len, int64_t inner,
            int64_t n_idx) {
  const int64_t n = outer * n_idx * inner;
  if (n > 0) gather_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, indices, out, outer, axis_len, inner, n_idx, error_flag());
}

void segment_sum(const float* x, const int32_t* ids, float* out, int64_t rows, int64_t inner, int64_t segments) {
  cudaMemsetAsync(out, 0, sizeof(float) * segments * inner, stream());
  const int64_t n = rows * inner;
  if (n > 0) segment_sum_kernel<<<grid_for(n), kThreads, 0, stream()>>>(x, ids, out, rows, inner, segments);
}

}  // namespace mdc
