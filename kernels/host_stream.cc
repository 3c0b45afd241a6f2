#include "kernels/host_stream.h"

#include <unistd.h>

#include <pthread.h>
#include <sched.h>
#include <algorithm>
#include <memory>

#include <barrier>
#include <functional>
#include <thread>

#include "core/interrupt.h"

namespace cb {
namespace {

constexpr double kScalar = 3.0;

// A persistent team of threads, each pinned to one CPU where the OS allows,
// so a timed call pays two barrier crossings, not thread creation, and each
// thread touches the same slice of every array on every call (first-touch
// placement at initialisation then holds for the measurement).
class Team {
 public:
  explicit Team(int threads) : n_(threads), start_(threads), done_(threads) {
    for (int i = 1; i < n_; ++i) {
      workers_.emplace_back([this, i] {
        Pin(i);
        for (;;) {
          start_.arrive_and_wait();
          if (stop_) return;
          (*task_)(i);
          done_.arrive_and_wait();
        }
      });
    }
    Pin(0);
  }
  ~Team() {
    stop_ = true;
    start_.arrive_and_wait();
    for (auto& w : workers_) w.join();
  }
  // Runs task(i) for i in [0, threads) concurrently; returns when all finished.
  void Run(const std::function<void(int)>& task) {
    task_ = &task;
    start_.arrive_and_wait();
    task(0);
    done_.arrive_and_wait();
  }
  int size() const { return n_; }

 private:
  static void Pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % CPU_SETSIZE, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);  // best effort: containers may refuse
  }
  int n_;
  std::barrier<> start_, done_;
  std::vector<std::thread> workers_;
  const std::function<void(int)>* task_ = nullptr;
  bool stop_ = false;
};

// Runs fn(begin, end) over [0, n), thread t always getting the same slice.
template <typename Fn>
void ParallelFor(Team& team, int64_t n, Fn fn) {
  const int64_t t = team.size();
  team.Run([&](int i) { fn(n * i / t, n * (i + 1) / t); });
}

}  // namespace

int64_t DefaultStreamArrayBytes() {
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
  int64_t llc = std::max<int64_t>(std::max<long>(l3, 0), std::max<long>(l2, 0));
  return std::max<int64_t>(4 * llc, int64_t{64} << 20);
}

std::vector<StreamResult> RunHostStream(int64_t array_bytes, int threads, const MeasureOptions& options) {
  if (threads <= 0) threads = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  const int64_t n = std::max<int64_t>(array_bytes / static_cast<int64_t>(sizeof(double)), 1);
  std::unique_ptr<double[]> a(new double[static_cast<size_t>(n)]);
  std::unique_ptr<double[]> b(new double[static_cast<size_t>(n)]);
  std::unique_ptr<double[]> c(new double[static_cast<size_t>(n)]);
  double* pa = a.get();
  double* pb = b.get();
  double* pc = c.get();
  // Small integers and halves: every result below is exact in double.
  auto init_a = [](int64_t i) { return 1.0 + static_cast<double>(i % 1024) * 0.5; };
  Team team(threads);
  ParallelFor(team, n, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) {
      pa[i] = init_a(i);
      pb[i] = 2.0;
      pc[i] = 0.0;
    }
  });

  struct Kernel {
    StreamKernel name;
    int arrays;
    std::function<void(int64_t, int64_t)> body;
    std::function<bool(int64_t)> check;
    double* out;  // the array the kernel writes
  };
  // Expected values follow from running copy, scale, add, triad in order.
  std::vector<Kernel> kernels = {
      {StreamKernel::kCopy, 2,
       [=](int64_t lo, int64_t hi) {
         for (int64_t i = lo; i < hi; ++i) pc[i] = pa[i];
       },
       [=](int64_t i) { return pc[i] == init_a(i); }, pc},
      {StreamKernel::kScale, 2,
       [=](int64_t lo, int64_t hi) {
         for (int64_t i = lo; i < hi; ++i) pb[i] = kScalar * pc[i];
       },
       [=](int64_t i) { return pb[i] == kScalar * init_a(i); }, pb},
      {StreamKernel::kAdd, 3,
       [=](int64_t lo, int64_t hi) {
         for (int64_t i = lo; i < hi; ++i) pc[i] = pa[i] + pb[i];
       },
       [=](int64_t i) { return pc[i] == init_a(i) + kScalar * init_a(i); }, pc},
      {StreamKernel::kTriad, 3,
       [=](int64_t lo, int64_t hi) {
         for (int64_t i = lo; i < hi; ++i) pa[i] = pb[i] + kScalar * pc[i];
       },
       [=](int64_t i) {
         double a0 = 1.0 + static_cast<double>(i % 1024) * 0.5;
         return pa[i] == kScalar * a0 + kScalar * (a0 + kScalar * a0);
       },
       pa},
  };
  std::vector<StreamResult> results;
  for (const auto& k : kernels) {
    if (Interrupted()) break;
    StreamResult r;
    r.kernel = k.name;
    r.array_bytes = n * static_cast<int64_t>(sizeof(double));
    r.bytes_moved = k.arrays * r.array_bytes;
    r.threads = threads;
    r.measurement = MeasureHost([&] { ParallelFor(team, n, k.body); }, options);
    if (r.measurement.samples_s.empty()) break;  // interrupted before one sample
    r.bandwidth_Bps = static_cast<double>(r.bytes_moved) / r.measurement.summary.median;
    if (options.corrupt_output) k.out[0] += 1;  // self-test: the check below must see it
    for (int64_t i = 0; i < n; ++i) r.wrong += !k.check(i);
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace cb
