/* The machine's ceilings for `pnpm bench`, measured with the vector width of a kernel table: the
 * multiply-add rate (float32 FMA, and vdpbf16ps where the table is AVX-512, the CPU has AVX512-BF16
 * and MIXDISTILL_ISA does not force the table) and the rate at which memory can be read, both on
 * THREADS threads. Prefill and training are bounded by the first, decoding by the second, so a
 * throughput divided by its ceiling says how much is left on this machine at this moment (the
 * machines are shared: measure both in one run).
 *
 * Usage: machine_ceilings THREADS READ_MIB -> one JSON line (best of 3 FMA runs, best of 5 read passes).
 * Build: gcc -O3 -pthread with -mavx2 -mfma (table avx2), -mavx512f -mavx512bw -mavx512vl -mfma (avx512),
 * nothing (generic); the benchmark does this per table. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#define VEC_BYTES 64
#define ISA "avx512"
#elif defined(__AVX2__)
#define VEC_BYTES 32
#define ISA "avx2"
#else
#define VEC_BYTES 16
#define ISA "generic"
#endif

typedef float vec __attribute__((vector_size(VEC_BYTES)));
enum { LANES = VEC_BYTES / 4, CHAINS = 12 }; /* 12 independent sums hide the FMA latency on two pipes */
static const long FMA_STEPS = 20000000;      /* per thread: CHAINS x LANES x 2 flops each */

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float sink[64]; /* one slot per thread, so nothing is optimised away */

static void* fma_loop(void* arg) {
  const long id = (long)arg;
  vec acc[CHAINS], b, c;
  for (int i = 0; i < LANES; ++i) b[i] = 0.999f, c[i] = 0.001f;
  for (int j = 0; j < CHAINS; ++j) acc[j] = b * (float)j;
  for (long s = 0; s < FMA_STEPS; ++s) {
#pragma GCC unroll 12
    for (int j = 0; j < CHAINS; ++j) acc[j] = acc[j] * b + c; /* one FMA with -mfma */
  }
  float total = 0;
  for (int j = 0; j < CHAINS; ++j)
    for (int i = 0; i < LANES; ++i) total += acc[j][i];
  sink[id] = total;
  return NULL;
}

#if defined(__AVX512F__)
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512bf16")))
/* vdpbf16ps: 16 lanes, each adds two bf16 products (4 flops a lane). */
BF16_TARGET static void* bf16_loop(void* arg) {
  const long id = (long)arg;
  __m512 acc[CHAINS];
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3f80), b = (__m512bh)_mm512_set1_epi16(0x3f7f);
  for (int j = 0; j < CHAINS; ++j) acc[j] = _mm512_set1_ps((float)j);
  for (long s = 0; s < FMA_STEPS; ++s) {
#pragma GCC unroll 12
    for (int j = 0; j < CHAINS; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
  }
  float total = 0;
  for (int j = 0; j < CHAINS; ++j) total += _mm512_reduce_add_ps(acc[j]);
  sink[id] = total;
  return NULL;
}
#endif

/* Seconds for `threads` threads each running fn once. */
static double timed(void* (*fn)(void*), int threads) {
  pthread_t t[64];
  const double t0 = seconds();
  for (long i = 0; i < threads; ++i) pthread_create(&t[i], NULL, fn, (void*)i);
  for (int i = 0; i < threads; ++i) pthread_join(t[i], NULL);
  return seconds() - t0;
}

/* The best GFLOP/s of 3 runs, flops_per_step flops per inner step of each thread. */
static double best_gflops(void* (*fn)(void*), int threads, double flops_per_step) {
  double best = 0;
  for (int r = 0; r < 3; ++r) {
    const double gflops = threads * (double)FMA_STEPS * flops_per_step / timed(fn, threads) / 1e9;
    if (gflops > best) best = gflops;
  }
  return best;
}

static const char* buffer;
static size_t buffer_bytes;
static int read_threads;

static void* read_slice(void* arg) {
  const long id = (long)arg;
  const size_t slice = buffer_bytes / read_threads / (4 * VEC_BYTES) * (4 * VEC_BYTES);
  const vec* p = (const vec*)(buffer + id * slice);
  const size_t n = slice / VEC_BYTES;
  vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
  for (size_t i = 0; i < n; i += 4) s0 += p[i], s1 += p[i + 1], s2 += p[i + 2], s3 += p[i + 3];
  const vec s = s0 + s1 + s2 + s3;
  sink[id] = s[0];
  return NULL;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s THREADS READ_MIB\n", argv[0]);
    return 2;
  }
  const int threads = atoi(argv[1]);
  const long mib = atol(argv[2]);
  if (threads < 1 || threads > 64 || mib < 1) {
    fprintf(stderr, "THREADS must be 1..64 and READ_MIB positive\n");
    return 2;
  }
  const double fma = best_gflops(fma_loop, threads, CHAINS * LANES * 2.0);
  char bf16[32] = "null";
#if defined(__AVX512F__)
  /* As the native backend: a table forced with MIXDISTILL_ISA never uses vdpbf16ps. */
  const char* forced = getenv("MIXDISTILL_ISA");
  if (__builtin_cpu_supports("avx512bf16") && (forced == NULL || *forced == '\0'))
    snprintf(bf16, sizeof bf16, "%.1f", best_gflops(bf16_loop, threads, CHAINS * 16 * 4.0));
#endif

  buffer_bytes = (size_t)mib << 20;
  char* data = aligned_alloc(4096, buffer_bytes);
  if (!data) {
    fprintf(stderr, "cannot allocate %ld MiB\n", mib);
    return 1;
  }
  memset(data, 1, buffer_bytes); /* touched, so every pass reads memory rather than the zero page */
  buffer = data;
  read_threads = threads;
  double read = 0;
  timed(read_slice, threads); /* warm-up pass */
  for (int r = 0; r < 5; ++r) {
    const double gbs = (double)buffer_bytes / timed(read_slice, threads) / 1e9;
    if (gbs > read) read = gbs;
  }
  float check = 0;
  for (int i = 0; i < threads; ++i) check += sink[i];
  printf("{\"isa\": \"%s\", \"threads\": %d, \"fma_gflops\": %.1f, \"bf16_dot_gflops\": %s, \"read_gb_per_s\": %.1f, "
         "\"read_mib\": %ld, \"checksum\": %g}\n",
         ISA, threads, fma, bf16, read, mib, check);
  free(data);
  return 0;
}
