# The native backend addon. Kernel sources (src/kernels) are compiled three times, once per
# instruction set, into static libraries linked into one addon; src/addon.cc picks the table
# for the running CPU. Nothing is built with -march=native, so the binary runs on any x86-64.
# -Wno-maybe-uninitialized: GCC 12 reports false positives inside its own AVX-512 headers.
{
  "target_defaults": {
    "cflags!": ["-fno-exceptions", "-O2", "-O0"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
    "cflags": ["-O3", "-fPIC", "-fno-math-errno", "-fno-trapping-math", "-Wall", "-Wno-unused-function", "-Wno-maybe-uninitialized"],
    "cflags_cc": ["-O3", "-fPIC", "-std=c++17", "-fexceptions"],
    "xcode_settings": {"GCC_ENABLE_CPP_EXCEPTIONS": "YES", "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]},
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8"]
  },
  "targets": [
    {
      "target_name": "md_kernels_generic",
      "type": "static_library",
      "defines": ["MD_ISA=generic"],
      "sources": ["src/kernels/gemm.cc", "src/kernels/elementwise.cc", "src/kernels/fused.cc",
                  "src/kernels/attention.cc", "src/kernels/bf16.cc", "src/kernels/table.cc"]
    },
    {
      "target_name": "md_kernels_avx2",
      "type": "static_library",
      "defines": ["MD_ISA=avx2"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-mavx2", "-mfma", "-mf16c"]}]],
      "sources": ["src/kernels/gemm.cc", "src/kernels/elementwise.cc", "src/kernels/fused.cc",
                  "src/kernels/attention.cc", "src/kernels/bf16.cc", "src/kernels/table.cc"]
    },
    {
      "target_name": "md_kernels_avx512",
      "type": "static_library",
      "defines": ["MD_ISA=avx512"],
      "conditions": [["target_arch=='x64'", {"cflags": ["-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512dq",
                                                        "-mfma", "-mf16c", "-mprefer-vector-width=512"]}]],
      "sources": ["src/kernels/gemm.cc", "src/kernels/elementwise.cc", "src/kernels/fused.cc",
                  "src/kernels/attention.cc", "src/kernels/bf16.cc", "src/kernels/table.cc"]
    },
    {
      "target_name": "mixdistill_native",
      "dependencies": ["md_kernels_generic", "md_kernels_avx2", "md_kernels_avx512"],
      "sources": ["src/addon.cc", "src/decoder_layer.cc", "src/thread_pool.cc", "src/cpu_features.cc"],
      "libraries": ["-lpthread"]
    }
  ]
}
