// The compiler flags of each native kernel table, as packages/core/native/binding.gyp builds it:
// what `pnpm bench:ab` compiles two kernel builds with, and what the machine-ceilings probe
// compiles with so it runs at the vector width of the table a run uses.
export const KERNEL_TABLE_FLAGS: Record<string, string[]> = {
  avx512: ['-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mfma', '-mf16c', '-mprefer-vector-width=512'],
  avx2: ['-mavx2', '-mfma', '-mf16c'],
  generic: [],
};
