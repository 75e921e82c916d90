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

// How long a worker polls for the next loop before sleeping (checked every 256 polls). A sleeping
// worker takes tens of microseconds to wake here, so a loop that starts while it sleeps runs
// mostly on the calling thread. Decoding calls ~170 products a token with JS work between them:
// with a 10 us spin the worker slept through most of them and bf16 Qwen2.5-0.5B decoded at 23-27
// tokens/s; with 0.5-5 ms, 29-32 (matrix-vector products 31 -> 24 ms a token). Training tokens/s
// did not move (tiny 6.3-6.8k at 10 us, 6.6-7.2k at 500 us; an earlier pool had lost a quarter to
// a 2 ms spin). Kept short enough that an idle worker leaves the core within half a millisecond.
constexpr auto kSpin = std::chrono::microseconds(500);

class Pool {
 public:
  explicit Pool(int threads) : threads_(std::max(1, threads)) {
    for (int i = 1; i < threads_; ++i) workers_.emplace_back([this] { work(); });
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      state_.fetch_add(kGenerationOne);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
  }

  int threads() const { return threads_; }

  void run(int64_t tasks, void (*fn)(void*, int64_t), void* ctx) {
    if (tasks <= 0) return;
    if (threads_ == 1 || tasks == 1 || running_.load(std::memory_order_relaxed) || tasks >= kIndexMask) {
      // Nested loops (a kernel calling parallel_for inside a task) run serially.
      for (int64_t t = 0; t < tasks; ++t) fn(ctx, t);
      return;
    }
    running_.store(true, std::memory_order_relaxed);
    // Close the previous loop's generation before touching fn_/ctx_/tasks_: a worker that loaded
    // the old state just before the previous loop ran out of tasks may still be about to compare
    // its stale index with tasks_. With the generation closed (index at kIndexMask, above any task
    // count) its compare-and-swap on the old state can no longer succeed, so it cannot run a task
    // of the new loop with a stale index and count it twice in done_ (seen as a hang in run()).
    const uint64_t closed = (state_.load(std::memory_order_relaxed) & ~kIndexMask) + kGenerationOne + kIndexMask;
    state_.store(closed);
    fn_.store(fn, std::memory_order_relaxed);
    ctx_.store(ctx, std::memory_order_relaxed);
    tasks_.store(tasks, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // A new generation with task index 0, published after fn_/ctx_/tasks_ (seq_cst store: pairs
    // with the worker's seq_cst increment and check, so no wake-up is lost).
    const uint64_t gen = (closed & ~kIndexMask) + kGenerationOne;
    state_.store(gen);
    if (sleeping_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_all();
    }
    drain(gen);
    // Wait only for tasks a worker has claimed: a worker the OS has not scheduled yet claims
    // nothing, so a busy machine does not stall the loop on it.
    while (done_.load(std::memory_order_acquire) != tasks) cpu_relax();
    running_.store(false, std::memory_order_relaxed);
  }

 private:
  static constexpr uint64_t kIndexMask = (uint64_t{1} << 32) - 1;
  static constexpr uint64_t kGenerationOne = uint64_t{1} << 32;

  // Claims and runs tasks of generation `gen` until none are left.
  void drain(uint64_t gen) {
    for (;;) {
      uint64_t s = state_.load(std::memory_order_acquire);
      if ((s & ~kIndexMask) != gen) return;
      const int64_t t = static_cast<int64_t>(s & kIndexMask);
      if (t >= tasks_.load(std::memory_order_relaxed)) return;
      // Succeeds only while the state is still exactly (gen, t): a closed or newer generation
      // makes it fail, so fn_/ctx_ read below belong to the loop that published `gen`.
      if (!state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) continue;
      fn_.load(std::memory_order_relaxed)(ctx_.load(std::memory_order_relaxed), t);
      done_.fetch_add(1, std::memory_order_release);
    }
  }

  void work() {
    // Generation 0 is the state at construction. Reading state_ here instead would race with a
    // destructor that runs before this thread starts: the thread would take the stop's generation
    // as already seen and wait forever, and join() with it (seen with setThreads right after load).
    uint64_t seen = 0;
    for (;;) {
      auto start = std::chrono::steady_clock::now();
      uint64_t gen;
      int polls = 0;
      while ((gen = state_.load(std::memory_order_acquire) & ~kIndexMask) == seen) {
        cpu_relax();
        if (++polls % 256 == 0 && std::chrono::steady_clock::now() - start > kSpin) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleeping_.fetch_add(1);
          wake_.wait(lock, [&] { return (state_.load() & ~kIndexMask) != seen; });
          sleeping_.fetch_sub(1);
        }
      }
      seen = gen;
      if (stop_) return;
      drain(gen);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  // Generation (high 32 bits) and next task index (low 32 bits), claimed together by CAS so a
  // late worker can never take a task of a newer loop.
  std::atomic<uint64_t> state_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int> sleeping_{0};
  // Atomic (relaxed) because a late worker may read them while run() rewrites them; the
  // generation protocol above decides whether what it read is used.
  std::atomic<void (*)(void*, int64_t)> fn_{nullptr};
  std::atomic<void*> ctx_{nullptr};
  std::atomic<int64_t> tasks_{0};
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
