#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
static inline void cpu_relax() { _mm_pause(); }
#else
static inline void cpu_relax() {}
#endif

namespace md {
namespace {

// How long a worker polls for the next loop before sleeping: long enough to cover the JS
// overhead between two kernels of a training step, short enough not to matter when idle.
constexpr auto kSpin = std::chrono::microseconds(200);

class Pool {
 public:
  explicit Pool(int threads) : threads_(std::max(1, threads)) {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { work(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return threads_; }

  void run(int64_t tasks, void (*fn)(void*, int64_t), void* ctx) {
    if (tasks <= 0) return;
    if (threads_ == 1 || tasks == 1 || running_) {
      // Nested loops (a kernel calling parallel_for inside a task) run serially.
      for (int64_t t = 0; t < tasks; ++t) fn(ctx, t);
      return;
    }
    running_ = true;
    fn_ = fn;
    ctx_ = ctx;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    active_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    drain();
    while (active_.load(std::memory_order_acquire) != 0) cpu_relax();
    fn_ = nullptr;
    running_ = false;
  }

 private:
  void drain() {
    for (;;) {
      int64_t t = next_.fetch_add(1, std::memory_order_relaxed);
      if (t >= tasks_) break;
      fn_(ctx_, t);
    }
  }

  void work() {
    uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      auto start = std::chrono::steady_clock::now();
      uint64_t gen;
      int polls = 0;
      while ((gen = generation_.load(std::memory_order_acquire)) == seen) {
        cpu_relax();
        if (++polls % 256 == 0 && std::chrono::steady_clock::now() - start > kSpin) {
          std::unique_lock<std::mutex> lock(mutex_);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        }
      }
      seen = gen;
      if (stop_) return;
      drain();
      active_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> next_{0};
  std::atomic<int> active_{0};
  void (*fn_)(void*, int64_t) = nullptr;
  void* ctx_ = nullptr;
  int64_t tasks_ = 0;
  bool stop_ = false;
  std::atomic<bool> running_{false};
};

int default_threads() {
  if (const char* env = std::getenv("MIXDISTILL_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

Pool*& pool() {
  static Pool* instance = new Pool(default_threads());
  return instance;
}

}  // namespace

void parallel_for_raw(int64_t tasks, void (*fn)(void*, int64_t), void* ctx) { pool()->run(tasks, fn, ctx); }

int pool_threads() { return pool()->threads(); }

void set_pool_threads(int n) {
  delete pool();
  pool() = new Pool(n);
}

}  // namespace md
