#include "kernels/host_gemm.h"

#include <cblas.h>
#include <unistd.h>

#include <fmt/format.h>
#include <cmath>
#include <limits>
#include <random>

#include "core/error.h"

// OpenBLAS extensions (declared in its cblas.h; repeated for other BLASes).
extern "C" {
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
char* openblas_get_config(void);
}

namespace cb {
namespace {

template <typename T>
GemmResult Run(GemmDtype dtype, int64_t m, int64_t n, int64_t k, const MeasureOptions& options) {
  GemmResult r;
  r.dtype = dtype;
  r.m = m;
  r.n = n;
  r.k = k;
  r.threads = openblas_get_num_threads();
  std::vector<T> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n));
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (auto& x : a) x = static_cast<T>(u(rng));
  for (auto& x : b) x = static_cast<T>(u(rng));
  auto op = [&] {
    if constexpr (std::is_same_v<T, double>) {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(k), 1.0, a.data(), static_cast<int>(k), b.data(), static_cast<int>(n), 0.0, c.data(),
                  static_cast<int>(n));
    } else {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m), static_cast<int>(n),
                  static_cast<int>(k), 1.0f, a.data(), static_cast<int>(k), b.data(), static_cast<int>(n), 0.0f,
                  c.data(), static_cast<int>(n));
    }
  };
  r.measurement = MeasureHost(op, options);
  if (!r.measurement.samples_s.empty()) {
    r.flop_rate =
        2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / r.measurement.summary.median;
  }
  // Check: one element in every 64x64 output tile (BLAS kernels fail by tile:
  // a wrong micro-kernel or a race corrupts whole blocks), plus random ones to
  // reach 256; all of C when it is small. Reference dot products in long
  // double, bound 2·k·eps·Σ|a_ip||b_pj| (see the header).
  const double eps = std::numeric_limits<T>::epsilon();
  std::vector<int64_t> picks;
  if (m * n <= 4096) {
    for (int64_t idx = 0; idx < m * n; ++idx) picks.push_back(idx);
  } else {
    for (int64_t ti = 0; ti < m; ti += 64) {
      for (int64_t tj = 0; tj < n; tj += 64) {
        std::uniform_int_distribution<int64_t> di(ti, std::min(m, ti + 64) - 1), dj(tj, std::min(n, tj + 64) - 1);
        picks.push_back(di(rng) * n + dj(rng));
      }
    }
    std::uniform_int_distribution<int64_t> pick(0, m * n - 1);
    while (picks.size() < 256) picks.push_back(pick(rng));
  }
  if (options.corrupt_output) c[static_cast<size_t>(picks.front())] += static_cast<T>(1);  // self-test
  for (int64_t idx : picks) {
    int64_t i = idx / n, j = idx % n;
    long double ref = 0, mag = 0;
    for (int64_t p = 0; p < k; ++p) {
      long double x = a[static_cast<size_t>(i * k + p)], y = b[static_cast<size_t>(p * n + j)];
      ref += x * y;
      mag += std::fabs(x * y);
    }
    double bound = 2.0 * static_cast<double>(k) * eps * static_cast<double>(mag) + std::numeric_limits<T>::min();
    double err = std::fabs(static_cast<double>(c[static_cast<size_t>(idx)]) - static_cast<double>(ref));
    r.max_error_ratio = std::max(r.max_error_ratio, err / bound);
    r.wrong += err > bound;
    ++r.checked;
  }
  return r;
}

}  // namespace

GemmResult RunHostGemm(GemmDtype dtype, int64_t m, int64_t n, int64_t k, const MeasureOptions& options) {
  if (m <= 0 || n <= 0 || k <= 0) throw UsageError(fmt::format("GEMM shape {}x{}x{}: sizes must be positive", m, n, k));
  if (m * k > (int64_t{1} << 31) || k * n > (int64_t{1} << 31)) {
    throw UsageError(fmt::format("GEMM shape {}x{}x{}: too large for the host backend", m, n, k));
  }
  switch (dtype) {
    case GemmDtype::kFp64:
      return Run<double>(dtype, m, n, k, options);
    case GemmDtype::kFp32:
      return Run<float>(dtype, m, n, k, options);
    default:
      throw UsageError(fmt::format("--dtype {}: the host backend runs fp64 and fp32 GEMM", GemmDtypeName(dtype)));
  }
}

void SetHostGemmThreads(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  openblas_set_num_threads(threads);
}

std::string BlasInfo() { return fmt::format("{} ({} threads)", openblas_get_config(), openblas_get_num_threads()); }

}  // namespace cb
