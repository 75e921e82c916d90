// A fixed pool of worker threads for fork-join parallel loops.
//
// The calling (JavaScript) thread takes part in every loop, so a pool of n threads starts n-1
// workers. Workers spin briefly after a loop (the next kernel usually follows within
// microseconds during a training step) and then sleep on a condition variable, so an idle
// process does not burn CPU.
#pragma once
#include <cstdint>

namespace md {

/** Threads taking part in parallel loops (workers + the caller). */
int pool_threads();

/** Runs fn(ctx, task) for task in [0, tasks) on the pool; returns when all are done. */
void parallel_for_raw(int64_t tasks, void (*fn)(void* ctx, int64_t task), void* ctx);

// The templates below are instantiated per lambda type, so kernels compiled for different
// instruction sets never share an inline function body (no std::function in kernel code).

/** Runs f(task) for task in [0, tasks). */
template <class F>
inline void parallel_for(int64_t tasks, const F& f) {
  parallel_for_raw(tasks, [](void* ctx, int64_t t) { (*static_cast<const F*>(ctx))(t); },
                   const_cast<void*>(static_cast<const void*>(&f)));
}

/** Splits [0, n) into contiguous ranges of about `grain` items or more, f(begin, end) per range. */
template <class F>
inline void parallel_range(int64_t n, int64_t grain, const F& f) {
  if (n <= 0) return;
  int64_t threads = pool_threads();
  int64_t by_grain = (n + (grain > 0 ? grain : 1) - 1) / (grain > 0 ? grain : 1);
  int64_t chunks = by_grain < threads * 4 ? by_grain : threads * 4;
  if (chunks <= 1 || threads == 1) {
    f(int64_t{0}, n);
    return;
  }
  int64_t step = (n + chunks - 1) / chunks;
  parallel_for(chunks, [&](int64_t c) {
    int64_t b = c * step, e = b + step < n ? b + step : n;
    if (b < e) f(b, e);
  });
}


/** Restarts the pool with n threads (n >= 1). */
void set_pool_threads(int n);

}  // namespace md
