#include "calibrate/predict_one.h"

#include <fmt/format.h>

#include <sstream>

#include "core/error.h"
#include "core/units.h"

namespace cb::calib {

OnePrediction PredictOneCollective(const Profile& p, const std::string& op, int64_t ranks, const std::string& bytes) {
  if (ranks < 2) throw UsageError("--collective needs --ranks N (N >= 2)");
  std::string why;
  auto size = ParseSize(bytes, &why);
  if (bytes.empty() || !size || *size <= 0) {
    throw UsageError(fmt::format("--bytes '{}': expected a size in bytes (K/M/G suffixes), > 0", bytes));
  }
  CollectivePrediction c = PredictCollective(p, op, ranks, *size);
  OnePrediction out;
  out.json = {{"op", op},
              {"ranks", ranks},
              {"size_bytes", *size},
              {"time_s", c.time_s},
              {"algbw_gbps", c.algbw / 1e9},
              {"busbw_gbps", c.busbw / 1e9},
              {"tier", CollectiveTierName(c.tier)},
              {"measured_ranks", c.measured_ranks},
              {"how", c.how},
              {"notes", c.notes}};
  out.text = fmt::format("{} of {} over {} ranks ({}, measured on {}; {}): {}  algbw {}  busbw {}\n", op,
                         FormatBytes(*size), ranks, CollectiveTierName(c.tier), c.measured_ranks, c.how,
                         FormatQuantity(c.time_s, Dimension::kTime), FormatQuantity(c.algbw, Dimension::kBandwidth),
                         FormatQuantity(c.busbw, Dimension::kBandwidth));
  for (const auto& n : c.notes) out.text += "  note: " + n + "\n";
  return out;
}

OnePrediction PredictOneGemm(const Profile& p, const std::string& dtype, const std::string& mnk) {
  double m = 0, n = 0, k = 0;
  char x1 = 0, x2 = 0;
  std::istringstream in(mnk);
  if (!(in >> m >> x1 >> n >> x2 >> k) || x1 != 'x' || x2 != 'x' || !in.eof() || m < 1 || n < 1 || k < 1) {
    throw UsageError(fmt::format("--gemm '{}': expected MxNxK, e.g. 8192x8192x8192", mnk));
  }
  const double t = PredictGemm(p, dtype, m, n, k);
  OnePrediction out;
  out.json = {{"m", m}, {"n", n}, {"k", k}, {"dtype", dtype}, {"time_s", t}, {"tflops", 2 * m * n * k / t / 1e12}};
  out.text = fmt::format("{} GEMM {}: {}  {}\n", dtype, mnk, FormatQuantity(t, Dimension::kTime),
                         FormatQuantity(2 * m * n * k / t, Dimension::kFlopRate));
  return out;
}

}  // namespace cb::calib
