// Which SIMD level the machine supports, decided once at start-up from cpuid.
#pragma once

namespace md {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

/** Best instruction set this CPU and OS support (MIXDISTILL_ISA=generic|avx2 lowers it). */
Isa detected_isa();

const char* isa_name(Isa isa);

}  // namespace md
