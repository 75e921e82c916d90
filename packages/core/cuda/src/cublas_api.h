// The few cuBLAS C entry points the backend calls, spelled out here because the toolkit on the
// build machines has no cuBLAS headers and the library is opened with dlopen at run time (never
// linked): an addon that links libcublas could not even load on a machine without it, so it
// could not say why cuda is unavailable. Enum values are those of the cuBLAS 13.x headers.
#pragma once

#include <cstddef>
#include <string>
#include <cuda_runtime.h>

namespace mdc {

typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;  // CUBLAS_STATUS_SUCCESS = 0

// cudaDataType_t values (library_types.h)
constexpr int kCudaR32F = 0;
constexpr int kCudaR16BF = 14;
// cublasOperation_t
constexpr int kCublasOpN = 0;
constexpr int kCublasOpT = 1;
// cublasGemmAlgo_t
constexpr int kCublasGemmDefault = -1;
// cublasComputeType_t
constexpr int kCublasCompute32F = 68;
constexpr int kCublasCompute32FFast16BF = 75;
constexpr int kCublasCompute32FFastTF32 = 77;

// The exact C signatures (cublasGemmEx also has a C++ overload taking cudaDataType as the compute
// type; the C symbol takes cublasComputeType_t, an int-sized enum).
typedef cublasStatus_t (*CublasCreateFn)(cublasHandle_t* handle);
typedef cublasStatus_t (*CublasDestroyFn)(cublasHandle_t handle);
typedef cublasStatus_t (*CublasSetStreamFn)(cublasHandle_t handle, cudaStream_t stream);
typedef cublasStatus_t (*CublasSetWorkspaceFn)(cublasHandle_t handle, void* workspace, size_t bytes);
typedef cublasStatus_t (*CublasGetVersionFn)(cublasHandle_t handle, int* version);
typedef cublasStatus_t (*CublasGemmExFn)(cublasHandle_t handle, int transa, int transb, int m, int n, int k,
                                         const void* alpha, const void* A, int Atype, int lda, const void* B,
                                         int Btype, int ldb, const void* beta, void* C, int Ctype, int ldc,
                                         int computeType, int algo);
typedef cublasStatus_t (*CublasGemmStridedBatchedExFn)(cublasHandle_t handle, int transa, int transb, int m, int n,
                                                       int k, const void* alpha, const void* A, int Atype, int lda,
                                                       long long strideA, const void* B, int Btype, int ldb,
                                                       long long strideB, const void* beta, void* C, int Ctype,
                                                       int ldc, long long strideC, int batchCount, int computeType,
                                                       int algo);

/** The opened library: every pointer is set, or open_cublas failed. */
struct Cublas {
  void* lib = nullptr;
  void* lt = nullptr;  // libcublasLt, opened first so libcublas finds it whatever its RPATH says
  CublasCreateFn create = nullptr;
  CublasDestroyFn destroy = nullptr;
  CublasSetStreamFn set_stream = nullptr;
  CublasSetWorkspaceFn set_workspace = nullptr;
  CublasGetVersionFn get_version = nullptr;
  CublasGemmExFn gemm_ex = nullptr;
  CublasGemmStridedBatchedExFn gemm_strided_batched_ex = nullptr;
  std::string path;  // the file that was opened
};

}  // namespace mdc
