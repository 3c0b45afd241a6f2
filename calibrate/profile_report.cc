#include "calibrate/profile_report.h"

#include <fmt/format.h>

#include "core/units.h"

namespace cb::calib {

nlohmann::json ProfileToJson(const Profile& p, const std::vector<std::string>& warnings) {
  nlohmann::json j = {{"device", p.device},
                      {"gpu", p.gpu},
                      {"created", p.created},
                      {"gemm", nlohmann::json::array()},
                      {"collectives", nlohmann::json::array()},
                      {"warnings", warnings},
                      {"sources", nlohmann::json::array()}};
  for (const auto& s : p.sources) j["sources"].push_back({{"file", s.file}, {"run", s.run}, {"kind", s.kind}});
  for (const auto& g : p.gemm) {
    j["gemm"].push_back({{"dtype", g.dtype},
                         {"rate_flops", g.model.rate},
                         {"k_half", g.model.k_half},
                         {"overhead_s", g.model.overhead_s},
                         {"points", g.points},
                         {"error_median", g.model.error.median},
                         {"error_max", g.model.error.max}});
  }
  j["memory_bandwidth_Bps"] = p.memory ? nlohmann::json(p.memory->bandwidth) : nlohmann::json(nullptr);
  for (const auto& c : p.collectives) {
    j["collectives"].push_back({{"op", c.op},
                                {"tier", CollectiveTierName(c.tier)},
                                {"ranks", c.ranks},
                                {"ranks_per_node", c.ranks_per_node},
                                {"latency_s", c.fit.alpha_s},
                                {"busbw_Bps", c.fit.bandwidth},
                                {"points", c.points},
                                {"error_median", c.fit.error.median},
                                {"error_max", c.fit.error.max}});
  }
  return j;
}

std::string ProfileSummaryText(const Profile& p, const std::string& path) {
  std::string out;
  out += fmt::format("profile of {}{} from {} run(s) -> {}\n", p.device, p.gpu.empty() ? "" : " (" + p.gpu + ")",
                     p.sources.size(), path);
  for (const auto& g : p.gemm) {
    out += fmt::format(
        "  gemm {:<5} R {:>14}  k_half {:>6.0f}  overhead {:>10}  {} points  error median {:.1f}% "
        "max {:.1f}%\n",
        g.dtype, FormatQuantity(g.model.rate, Dimension::kFlopRate), g.model.k_half,
        FormatQuantity(g.model.overhead_s, Dimension::kTime), g.points, 100 * g.model.error.median,
        100 * g.model.error.max);
  }
  if (p.memory) {
    out += fmt::format("  memory      {:>14}  ({})\n", FormatQuantity(p.memory->bandwidth, Dimension::kBandwidth),
                       p.memory->kernel);
  }
  for (const auto& c : p.collectives) {
    out += fmt::format(
        "  {:<14} {:<5} {:>3} ranks  busbw {:>12}  latency {:>10}  {} points  error median "
        "{:.1f}% max {:.1f}%\n",
        c.op, CollectiveTierName(c.tier), c.ranks, FormatQuantity(c.fit.bandwidth, Dimension::kBandwidth),
        FormatQuantity(c.fit.alpha_s, Dimension::kTime), c.points, 100 * c.fit.error.median, 100 * c.fit.error.max);
  }
  return out;
}

}  // namespace cb::calib
