// Which SIMD level the machine supports, decided once at start-up from cpuid.
#pragma once

namespace md {

enum class Isa { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

/** Best instruction set this CPU and OS support (MIXDISTILL_ISA=generic|avx2 lowers it). */
Isa detected_isa();

const char* isa_name(Isa isa);

/**
 * Whether the AVX-512 table may use AVX512-BF16 (vdpbf16ps) for bf16 weights: the CPU has it and
 * MIXDISTILL_ISA does not force a table (`avx512` keeps AVX-512 but widens bf16 instead).
 */
bool cpu_has_avx512_bf16();

}  // namespace md
