// Two builds of the native kernel table in one process, timed in turns: `pnpm bench:ab` compiles
// the kernel sources of a base revision into namespace md::ab_base and those of the working tree
// into md::ab_work, links them with this driver, and runs it. The calls alternate A B B A, so a
// machine whose speed drifts by 10-20% from minute to minute (shared 2-core VMs) slows both
// sides alike, and a 5% difference between them still shows. Prints one JSON object per workload.
//
// Usage: kernel_ab SECONDS [--cold MB] [--idle MS] WORKLOAD...
//   --cold MB                  before each timed call, write MB megabytes of another buffer on every
//                              thread: the call then finds caches as a training step leaves them
//   --idle MS                  before each timed call, run MS milliseconds of integer-only work on the
//                              calling thread (the workers wait in the pool): the call then starts
//                              as a step's products do, after host code and memory-bound kernels
//   gemm:M,N,K[,at][,bt][,bf16] C [M, N] = A · B, A stored [K, M] with at, B stored [N, K] with bt,
//                              bf16 operands (mixed-precision training) with bf16
//   attention:B,HQ,HKV,S,T,D   causal GQA attention, forward (and backward when S == T)
//   xent:ROWS,VOCAB            cross-entropy from logits, forward and backward
//   softmax:ROWS,COLS          softmax over the last axis
//   exp:N                      elementwise exp
//   bf16:M,N,K                 out [M, N] = x [M, K] · Wᵀ with W [N, K] in bf16, W streamed from memory
#include "../../packages/core/native/src/kernels.h"
#include "../../packages/core/native/src/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cctype>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace md {
namespace ab_base { const Kernels& kernels(); }
namespace ab_work { const Kernels& kernels(); }
// Kernels that call back into the table (bf16.cc) get the working tree's.
const Kernels& kernels() { return ab_work::kernels(); }
}  // namespace md

namespace {

using Clock = std::chrono::steady_clock;

// Deterministic values in [-scale, scale).
void fill(std::vector<float>& x, uint32_t seed, float scale = 1.0f) {
  for (auto& v : x) {
    seed = seed * 1664525u + 1013904223u;
    v = (static_cast<float>(seed >> 8) / static_cast<float>(1u << 23) - 1.0f) * scale;
  }
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0.0f;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// One workload: run(table, side) computes it with `table` into side's outputs (0: base, 1: work).
struct Workload {
  std::string name;
  double flops;  // floating-point operations a call (products, attention), or 0
  double bytes;  // bytes a call reads and writes at least (memory-bound kernels), or 0
  std::function<void(const md::Kernels&, int)> run;
  std::function<float()> diff;  // largest |base - work| over the outputs of the last runs
};

Workload gemm(int64_t M, int64_t N, int64_t K, bool at, bool bt, bool bf16, const std::string& name) {
  auto A = std::make_shared<std::vector<float>>(M * K), B = std::make_shared<std::vector<float>>(K * N);
  auto C = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(M * N));
  fill(*A, 1);
  fill(*B, 2);
  auto run = [=](const md::Kernels& table, int side) {
    md::GemmArgs g{};
    g.M = M, g.N = N, g.K = K;
    g.A = A->data(), g.B = B->data(), g.C = (*C)[side].data(), g.ldc = N;
    g.a_rs = at ? 1 : K, g.a_cs = at ? M : 1;
    g.b_rs = bt ? 1 : N, g.b_cs = bt ? K : 1;
    g.bf16 = bf16;
    static const int64_t zero = 0;
    table.gemm_batched(md::BatchedGemmArgs{g, 1, &zero, &zero});
  };
  return {name, 2.0 * M * N * K, 0.0, run, [=] { return max_abs_diff((*C)[0], (*C)[1]); }};
}

Workload attention(int64_t b, int64_t hq, int64_t hkv, int64_t s, int64_t t, int64_t d, const std::string& name) {
  struct Buffers {
    std::vector<float> q, k, v, dout, lse[2], out[2], dq[2], dk[2], dv[2];
  };
  auto x = std::make_shared<Buffers>();
  x->q.resize(b * hq * s * d), x->dout.resize(b * hq * s * d);
  x->k.resize(b * hkv * t * d), x->v.resize(b * hkv * t * d);
  fill(x->q, 3), fill(x->k, 4), fill(x->v, 5), fill(x->dout, 6);
  for (int side = 0; side < 2; ++side) {
    x->out[side].resize(x->q.size()), x->lse[side].resize(b * hq * s), x->dq[side].resize(x->q.size());
    x->dk[side].resize(x->k.size()), x->dv[side].resize(x->v.size());
  }
  const bool backward = s == t;
  const md::AttentionArgs a{b, hq, hkv, s, t, d, 1.0f / std::sqrt(static_cast<float>(d)), nullptr, t};
  auto run = [=](const md::Kernels& table, int side) {
    table.attention_fwd(a, x->q.data(), x->k.data(), x->v.data(), x->out[side].data(), x->lse[side].data());
    if (backward)
      table.attention_bwd(a, x->q.data(), x->k.data(), x->v.data(), x->out[side].data(), x->lse[side].data(),
                          x->dout.data(), x->dq[side].data(), x->dk[side].data(), x->dv[side].data());
  };
  // Query i sees keys up to t - s + i: (t - s) * s + s (s + 1) / 2 scores a head; the forward pass
  // does 2 products over them, the backward 5.
  const double scores = static_cast<double>(b * hq) * ((t - s) * s + s * (s + 1) / 2.0);
  const double flops = 2.0 * d * scores * (backward ? 7 : 2);
  auto diff = [=] {
    float m = max_abs_diff(x->out[0], x->out[1]);
    if (backward) m = std::max({m, max_abs_diff(x->dq[0], x->dq[1]), max_abs_diff(x->dk[0], x->dk[1]),
                                max_abs_diff(x->dv[0], x->dv[1])});
    return m;
  };
  return {name, flops, 0.0, run, diff};
}

// Logits in [-8, 8) with every fourth row unlabelled (-100), forward then backward.
Workload xent(int64_t rows, int64_t vocab, const std::string& name) {
  auto logits = std::make_shared<std::vector<float>>(rows * vocab);
  fill(*logits, 7, 8.0f);
  auto labels = std::make_shared<std::vector<int32_t>>(rows);
  for (int64_t r = 0; r < rows; ++r) (*labels)[r] = r % 4 == 3 ? -100 : static_cast<int32_t>((r * 7919) % vocab);
  auto lse = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(rows));
  auto loss = std::make_shared<std::vector<float>>(2);
  auto dlogits = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(rows * vocab));
  auto run = [=](const md::Kernels& table, int side) {
    (*loss)[side] = static_cast<float>(
        table.xent_fwd(logits->data(), labels->data(), (*lse)[side].data(), rows, vocab));
    table.xent_bwd(logits->data(), labels->data(), (*lse)[side].data(), 1.0f / rows, (*dlogits)[side].data(), rows,
                   vocab);
  };
  auto diff = [=] {
    return std::max({std::fabs((*loss)[0] - (*loss)[1]) / rows, max_abs_diff((*lse)[0], (*lse)[1]),
                     max_abs_diff((*dlogits)[0], (*dlogits)[1])});
  };
  // The forward reads the logits, the backward reads them again and writes their gradient.
  return {name, 0.0, 3.0 * 4 * rows * vocab, run, diff};
}

Workload softmax(int64_t rows, int64_t cols, const std::string& name) {
  auto x = std::make_shared<std::vector<float>>(rows * cols);
  fill(*x, 8, 8.0f);
  auto out = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(rows * cols));
  auto run = [=](const md::Kernels& table, int side) { table.softmax(x->data(), (*out)[side].data(), rows, cols); };
  return {name, 0.0, 2.0 * 4 * rows * cols, run, [=] { return max_abs_diff((*out)[0], (*out)[1]); }};
}

Workload exp(int64_t n, const std::string& name) {
  auto x = std::make_shared<std::vector<float>>(n);
  fill(*x, 9, 8.0f);
  auto out = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(n));
  auto run = [=](const md::Kernels& table, int side) {
    table.unary(md::UnaryOp::kExp, x->data(), (*out)[side].data(), n, 0.0f);
  };
  // exp(8) ~ 3e3: compared relative to the largest output.
  return {name, 0.0, 2.0 * 4 * n, run, [=] { return max_abs_diff((*out)[0], (*out)[1]) / std::exp(8.0f); }};
}

// Copies of W cycled through so that each call reads its W from memory, as a decoding step does
// (the copies together are at least 512 MiB, past any L3, for a W of 128 KiB or more). Up to 16 rows of x is a decoding step:
// judged by the rate W is read at (GB/s); more is a prefill's product (GFLOP/s).
Workload bf16(int64_t m, int64_t n, int64_t k, const std::string& name) {
  const int64_t copies = std::clamp<int64_t>((int64_t{512} << 20) / (2 * n * k) + 1, 2, 4096);
  auto w = std::make_shared<std::vector<uint16_t>>(copies * n * k);
  {
    std::vector<float> values(n * k);
    fill(values, 11);
    for (int64_t i = 0; i < n * k; ++i) {
      uint32_t bits;
      std::memcpy(&bits, &values[i], sizeof(bits));
      (*w)[i] = static_cast<uint16_t>(bits >> 16);
    }
    for (int64_t c = 1; c < copies; ++c) std::copy(w->begin(), w->begin() + n * k, w->begin() + c * n * k);
  }
  auto x = std::make_shared<std::vector<float>>(m * k);
  fill(*x, 12);
  auto bias = std::make_shared<std::vector<float>>(n);
  fill(*bias, 13);
  auto out = std::make_shared<std::vector<std::vector<float>>>(2, std::vector<float>(m * n));
  auto next = std::make_shared<int64_t>(0);
  auto run = [=](const md::Kernels& table, int side) {
    const uint16_t* wc = w->data() + (*next)++ % copies * n * k;
    table.matmul_bf16(x->data(), wc, bias->data(), (*out)[side].data(), m, n, k);
  };
  const bool decode = m <= 16;
  return {name, decode ? 0.0 : 2.0 * m * n * k, decode ? 2.0 * n * k : 0.0, run,
          [=] { return max_abs_diff((*out)[0], (*out)[1]); }};
}

std::vector<int64_t> numbers(const std::string& list, std::vector<std::string>& flags) {
  std::vector<int64_t> out;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t end = std::min(list.find(',', at), list.size());
    const std::string item = list.substr(at, end - at);
    if (!item.empty() && std::isdigit(static_cast<unsigned char>(item[0]))) out.push_back(std::atoll(item.c_str()));
    else if (!item.empty()) flags.push_back(item);
    at = end + 1;
  }
  return out;
}

bool parse(const std::string& spec, Workload& w) {
  const size_t colon = spec.find(':');
  if (colon == std::string::npos) return false;
  const std::string kind = spec.substr(0, colon);
  std::vector<std::string> flags;
  const std::vector<int64_t> n = numbers(spec.substr(colon + 1), flags);
  auto has = [&](const char* f) { return std::find(flags.begin(), flags.end(), f) != flags.end(); };
  if (kind == "gemm" && n.size() == 3) {
    w = gemm(n[0], n[1], n[2], has("at"), has("bt"), has("bf16"), spec);
    return true;
  }
  if (kind == "attention" && n.size() == 6 && n[3] <= n[4] && n[1] % n[2] == 0) {
    w = attention(n[0], n[1], n[2], n[3], n[4], n[5], spec);
    return true;
  }
  if (kind == "xent" && n.size() == 2 && n[0] > 0 && n[1] > 0) {
    w = xent(n[0], n[1], spec);
    return true;
  }
  if (kind == "softmax" && n.size() == 2 && n[0] > 0 && n[1] > 0) {
    w = softmax(n[0], n[1], spec);
    return true;
  }
  if (kind == "bf16" && n.size() == 3 && n[0] > 0 && n[1] > 0 && n[2] > 0) {
    w = bf16(n[0], n[1], n[2], spec);
    return true;
  }
  if (kind == "exp" && n.size() == 1 && n[0] > 0) {
    w = exp(n[0], spec);
    return true;
  }
  return false;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Writes `bytes` of `sweep` on every pool thread, so the next call finds its operands, packing
// buffers and page-table entries evicted (as in a training step, where other kernels ran between
// two products) and the pool's workers awake (the sweep is a parallel loop too).
void evict_caches(std::vector<char>& sweep, int64_t bytes) {
  const int64_t chunks = md::pool_threads() * 4, chunk = bytes / chunks;
  md::parallel_for(chunks, [&](int64_t c) {
    for (int64_t i = c * chunk; i < (c + 1) * chunk; i += 64) sweep[static_cast<size_t>(i)] += 1;
  });
}

// Integer-only work on this thread for `ms` milliseconds, as host code between two kernels, while
// the pool's workers wait (they poll for 500 us, then sleep). Two costs show after it: a core's
// multiply-add rate ramps back up over ~1.5 ms of dense FMAs (Zen 2 EPYC, one thread: the first
// 0.2 ms of FMAs after 2 ms of integer work ran at ~0.72x the warm rate), and past the poll a
// sleeping worker joins the next call late.
void idle_host(double ms) {
  static volatile uint32_t sink;
  uint32_t x = sink;
  const auto until = Clock::now() + std::chrono::duration<double, std::milli>(ms);
  while (Clock::now() < until)
    for (int i = 0; i < 256; ++i) x = x * 2654435761u + static_cast<uint32_t>(i);
  sink = x;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: kernel_ab SECONDS [--cold MB] [--idle MS] gemm:M,N,K[,at][,bt][,bf16] | attention:B,HQ,HKV,S,T,D | xent:ROWS,VOCAB | "
                 "softmax:ROWS,COLS | exp:N | bf16:M,N,K ...\n");
    return 2;
  }
  const double seconds = std::atof(argv[1]);
  int first = 2;
  int64_t cold_bytes = 0;
  double idle_ms = 0;
  for (; first + 1 < argc; first += 2) {
    if (std::strcmp(argv[first], "--cold") == 0) cold_bytes = static_cast<int64_t>(std::atof(argv[first + 1]) * (1 << 20));
    else if (std::strcmp(argv[first], "--idle") == 0) idle_ms = std::atof(argv[first + 1]);
    else break;
  }
  std::vector<char> sweep(static_cast<size_t>(cold_bytes));
  const md::Kernels* tables[2] = {&md::ab_base::kernels(), &md::ab_work::kernels()};
  for (int i = first; i < argc; ++i) {
    Workload w;
    if (!parse(argv[i], w)) {
      std::fprintf(stderr, "kernel_ab: cannot read workload '%s'\n", argv[i]);
      return 2;
    }
    for (int side = 0; side < 2; ++side) w.run(*tables[side], side);  // warm up, and outputs to compare
    const float diff = w.diff();
    std::vector<double> ms[2];
    const auto start = Clock::now();
    for (int64_t call = 0; std::chrono::duration<double>(Clock::now() - start).count() < seconds || call < 8; ++call) {
      const int side = static_cast<int>(((call + 1) / 2) % 2);  // A B B A A B B A ...
      if (cold_bytes > 0) evict_caches(sweep, cold_bytes);
      if (idle_ms > 0) idle_host(idle_ms);
      const auto t0 = Clock::now();
      w.run(*tables[side], side);
      ms[side].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
    const double base = median(ms[0]), work = median(ms[1]);
    std::printf(
        "{\"workload\": \"%s\", \"threads\": %d, \"base_ms\": %.4f, \"work_ms\": %.4f, \"speedup\": %.4f, "
        "\"base_gflops\": %.2f, \"work_gflops\": %.2f, \"base_gbs\": %.2f, \"work_gbs\": %.2f, \"calls\": %zu, "
        "\"max_abs_diff\": %.3g}\n",
        w.name.c_str(), md::pool_threads(), base, work, base / work, w.flops / base / 1e6, w.flops / work / 1e6,
        w.bytes / base / 1e6, w.bytes / work / 1e6, ms[0].size() + ms[1].size(), diff);
    std::fflush(stdout);
  }
  return 0;
}
