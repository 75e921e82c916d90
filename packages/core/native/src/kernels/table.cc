// The kernel table of this instruction set.
#include "common.h"

namespace md {
namespace MD_ISA {

void register_gemm(Kernels& k);
void register_elementwise(Kernels& k);
void register_fused(Kernels& k);
void register_attention(Kernels& k);
void register_bf16(Kernels& k);

const Kernels& kernels() {
  static const Kernels table = [] {
    Kernels k{};
#define MD_STR2(x) #x
#define MD_STR(x) MD_STR2(x)
    k.isa = MD_STR(MD_ISA);
    register_gemm(k);
    register_elementwise(k);
    register_fused(k);
    register_attention(k);
    register_bf16(k);
    return k;
  }();
  return table;
}

}  // namespace MD_ISA
}  // namespace md
