#include "cublas_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>

namespace mdc {

namespace {

// cuBLAS 13 matches the CUDA 13 runtime this addon is built with; 12 is tried as a second choice
// (it talks to the same driver, and streams are driver objects shared by both runtimes).
const char* const kSonames[][2] = {{"libcublasLt.so.13", "libcublas.so.13"}, {"libcublasLt.so.12", "libcublas.so.12"}};

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

template <class F>
bool sym(void* lib, const char* name, F* fn, std::string* missing) {
  *fn = reinterpret_cast<F>(dlsym(lib, name));
  if (*fn == nullptr) *missing = name;
  return *fn != nullptr;
}

std::string bind(void* lib, void* lt, const std::string& path, Cublas* out) {
  std::string missing;
  Cublas c;
  c.lib = lib;
  c.lt = lt;
  c.path = path;
  if (!sym(lib, "cublasCreate_v2", &c.create, &missing) || !sym(lib, "cublasDestroy_v2", &c.destroy, &missing) ||
      !sym(lib, "cublasSetStream_v2", &c.set_stream, &missing) ||
      !sym(lib, "cublasSetWorkspace_v2", &c.set_workspace, &missing) ||
      !sym(lib, "cublasGetVersion_v2", &c.get_version, &missing) || !sym(lib, "cublasGemmEx", &c.gemm_ex, &missing) ||
      !sym(lib, "cublasGemmStridedBatchedEx", &c.gemm_strided_batched_ex, &missing)) {
    return path + " has no symbol " + missing;
  }
  *out = c;
  return "";
}

}  // namespace

std::string open_cublas(const std::vector<std::string>& dirs, Cublas* out) {
  std::string last_error;
  for (const auto& names : kSonames) {
    for (const auto& dir : dirs) {
      const std::string lib_path = dir + "/" + names[1];
      if (!exists(lib_path)) continue;
      // Lt first and global, so libcublas' own dependency on it resolves to this copy.
      const std::string lt_path = dir + "/" + names[0];
      void* lt = exists(lt_path) ? dlopen(lt_path.c_str(), RTLD_NOW | RTLD_GLOBAL) : nullptr;
      void* lib = dlopen(lib_path.c_str(), RTLD_NOW | RTLD_GLOBAL);
      if (lib == nullptr) {
        const char* e = dlerror();
        last_error = e ? e : (lib_path + ": dlopen failed");
        continue;
      }
      const std::string err = bind(lib, lt, lib_path, out);
      if (err.empty()) return "";
      last_error = err;
    }
    // The loader's own search (LD_LIBRARY_PATH, ld.so.cache, RUNPATH).
    void* lt = dlopen(names[0], RTLD_NOW | RTLD_GLOBAL);
    void* lib = dlopen(names[1], RTLD_NOW | RTLD_GLOBAL);
    if (lib != nullptr) {
      const std::string err = bind(lib, lt, names[1], out);
      if (err.empty()) return "";
      last_error = err;
    } else if (last_error.empty()) {
      const char* e = dlerror();
      if (e) last_error = e;
    }
  }
  std::string tried;
  for (const auto& d : dirs) tried += (tried.empty() ? "" : ", ") + d;
  return "libcublas.so.13 not found in [" + tried + (tried.empty() ? "" : ", ") + "the loader path]" +
         (last_error.empty() ? "" : " (" + last_error + ")");
}

}  // namespace mdc
