// The host kernels against their baselines, in one process (issue "Kernels",
// targets: fp64 GEMM within 5% of a direct OpenBLAS call, triad within 5% of a
// plain OpenMP loop).
//
//   GEMM:  RunHostGemm(fp64, n, n, n) (the tool: harness, checks)  vs  a
//          loop of cblas_dgemm on the same shape, timed with steady_clock.
//   triad: RunHostStream's triad (the tool: pinned thread team)       vs
//          `#pragma omp parallel for` over a[i] = b[i] + s·c[i], same array size.
//
// Rounds interleave tool and baseline so a change in machine load hits both;
// each side's figure is the median over rounds of its per-round median. The
// ratio is tool / baseline in rate (1.00 = equal; >= 0.95 meets the target).
//
// Usage: kernels_vs_baseline [--sizes 1024,2048] [--bytes N] [--rounds R] [--budget S]
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/stats.h"
#include "kernels/host_gemm.h"
#include "kernels/host_stream.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Median time of `op` over at least `min_reps` calls and `budget` seconds, after one warm-up call.
template <typename Op>
double MedianTime(Op op, int min_reps, double budget) {
  op();
  std::vector<double> t;
  const auto start = Clock::now();
  while (static_cast<int>(t.size()) < min_reps || Seconds(start) < budget) {
    const auto t0 = Clock::now();
    op();
    t.push_back(Seconds(t0));
  }
  return cb::Median(t);
}

std::vector<int> ParseList(const char* s) {
  std::vector<int> out;
  for (const char* p = s; *p;) {
    out.push_back(std::atoi(p));
    const char* c = std::strchr(p, ',');
    if (!c) break;
    p = c + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes = {1024, 2048};
  int64_t bytes = cb::DefaultStreamArrayBytes();
  int rounds = 5;
  double budget = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--sizes") {
      sizes = ParseList(argv[i + 1]);
    } else if (a == "--bytes") {
      bytes = std::atoll(argv[i + 1]);
    } else if (a == "--rounds") {
      rounds = std::atoi(argv[i + 1]);
    } else if (a == "--budget") {
      budget = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--sizes 1024,2048] [--bytes N] [--rounds R] [--budget S]\n", argv[0]);
      return 2;
    }
  }
  cb::MeasureOptions mo;
  mo.time_budget_s = budget;
  mo.min_reps = 5;

  // Start OpenMP's team before the tool's STREAM team pins the main thread.
  int omp_threads = 0;
#pragma omp parallel
  {
#pragma omp single
    omp_threads = omp_get_num_threads();
  }
  std::printf("# %s; OpenMP %d threads; %d interleaved rounds, %.2f s per measurement\n", cb::BlasInfo().c_str(),
              omp_threads, rounds, budget);

  std::printf("%-8s %8s %16s %16s %8s\n", "bench", "size", "tool", "baseline", "ratio");
  for (int n : sizes) {
    std::vector<double> a(static_cast<size_t>(n) * n, 0.5), b(static_cast<size_t>(n) * n, 0.25),
        c(static_cast<size_t>(n) * n);
    std::vector<double> tool, base;
    for (int r = 0; r < rounds; ++r) {
      cb::GemmResult g = cb::RunHostGemm(cb::GemmDtype::kFp64, n, n, n, mo);
      tool.push_back(g.flop_rate);
      const double t = MedianTime(
          [&] {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n, 0.0,
                        c.data(), n);
          },
          mo.min_reps, budget);
      base.push_back(2.0 * n * static_cast<double>(n) * n / t);
    }
    const double tm = cb::Median(tool), bm = cb::Median(base);
    std::printf("%-8s %8d %11.2f GF/s %11.2f GF/s %8.3f\n", "dgemm", n, tm / 1e9, bm / 1e9, tm / bm);
  }

  {
    const int64_t n = bytes / 8;
    std::vector<double> a(static_cast<size_t>(n)), b(static_cast<size_t>(n)), c(static_cast<size_t>(n));
    const double s = 3.0;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      a[static_cast<size_t>(i)] = 0;
      b[static_cast<size_t>(i)] = 1;
      c[static_cast<size_t>(i)] = 2;
    }
    std::vector<double> tool, base;
    for (int r = 0; r < rounds; ++r) {
      for (const auto& k : cb::RunHostStream(bytes, 0, mo)) {
        if (k.kernel == cb::StreamKernel::kTriad) tool.push_back(k.bandwidth_Bps);
      }
      const double t = MedianTime(
          [&] {
            double* pa = a.data();
            const double* pb = b.data();
            const double* pc = c.data();
#pragma omp parallel for schedule(static)
            for (int64_t i = 0; i < n; ++i) pa[i] = pb[i] + s * pc[i];
          },
          mo.min_reps, budget);
      base.push_back(24.0 * static_cast<double>(n) / t);
    }
    const double tm = cb::Median(tool), bm = cb::Median(base);
    std::printf("%-8s %7lldM %11.2f GB/s %11.2f GB/s %8.3f\n", "triad", static_cast<long long>(bytes >> 20), tm / 1e9,
                bm / 1e9, tm / bm);
  }
  return 0;
}
