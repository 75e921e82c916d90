/* OpenBLAS cblas_sgemm throughput, the matmul peer for `pnpm bench`.
 * Usage: openblas_sgemm M N K TRANSPOSE_B(0|1) -> one JSON line with the best of 5 runs after 0.2 s of warm-up.
 * Build: gcc -O2 openblas_sgemm.c -lopenblas (the benchmark does this when libopenblas-dev is present). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s M N K TRANSPOSE_B\n", argv[0]);
    return 2;
  }
  const int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]), tb = atoi(argv[4]);
  float* a = malloc(sizeof(float) * (size_t)m * k);
  float* b = malloc(sizeof(float) * (size_t)k * n);
  float* c = malloc(sizeof(float) * (size_t)m * n);
  for (size_t i = 0; i < (size_t)m * k; ++i) a[i] = (float)(i % 17) / 17.0f - 0.5f;
  for (size_t i = 0; i < (size_t)k * n; ++i) b[i] = (float)(i % 13) / 13.0f - 0.5f;
  /* Warm-up for 0.2 s (at least one call), then the best of 5: the protocol of mixdistill's measureMatmul. */
  double end = seconds() + 0.2, best = 1e30;
  do cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, k, b, tb ? k : n, 0.0f, c, n);
  while (seconds() < end);
  for (int r = 0; r < 5; ++r) {
    double t0 = seconds();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, k, b, tb ? k : n, 0.0f, c, n);
    double dt = seconds() - t0;
    if (dt < best) best = dt;
  }
  printf("{\"m\":%d,\"n\":%d,\"k\":%d,\"transposeB\":%s,\"ms\":%.4f,\"gflops\":%.2f,\"config\":\"%s\"}\n", m, n, k,
         tb ? "true" : "false", best * 1e3, 2.0 * m * n * k / best / 1e9, openblas_get_config());
  free(a);
  free(b);
  free(c);
  return 0;
}
