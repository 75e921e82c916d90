#include "cpu_features.h"

#include <cstdlib>
#include <cstring>

namespace md {

static Isa detect() {
  Isa best = Isa::kGeneric;
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  // __builtin_cpu_supports checks both the CPU flags and that the OS saves the wide registers.
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = Isa::kAvx2;
  if (best == Isa::kAvx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
    best = Isa::kAvx512;
#endif
  if (const char* env = std::getenv("MIXDISTILL_ISA")) {
    if (std::strcmp(env, "generic") == 0) best = Isa::kGeneric;
    else if (std::strcmp(env, "avx2") == 0 && best == Isa::kAvx512) best = Isa::kAvx2;
  }
  return best;
}

Isa detected_isa() {
  static const Isa isa = detect();
  return isa;
}

bool cpu_has_avx512_bf16() {
  static const bool has = [] {
    const char* env = std::getenv("MIXDISTILL_ISA");
    if (detected_isa() != Isa::kAvx512 || (env != nullptr && *env != '\0')) return false;
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
    return __builtin_cpu_supports("avx512bf16") != 0;
#else
    return false;
#endif
  }();
  return has;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace md
