// Opens cuBLAS with dlopen from a list of folders (then the loader's own search path).
#pragma once

#include <string>
#include <vector>

#include "cublas_api.h"

namespace mdc {

/** Fills `out` and returns "" on success, else a one-line reason naming what was tried. */
std::string open_cublas(const std::vector<std::string>& dirs, Cublas* out);

}  // namespace mdc
