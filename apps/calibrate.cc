// `clusterbench calibrate RESULTS.h5 [MORE.h5 ...] -o profile.yaml`: fits the
// simulator's GEMM, memory and collective models to measured runs
// (calibrate/profile.h) and writes a profile that `simulate --calibration`
// reads.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "calibrate/profile.h"
#include "core/error.h"
#include "core/units.h"

namespace cb {
namespace {

struct CalibrateOptions {
  OutputOptions out;
  std::vector<std::string> files;
  std::string profile;
  std::string device;
};

nlohmann::json ProfileJson(const calib::Profile& p, const std::vector<std::string>& warnings) {
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
                                {"tier", c.tier},
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

int RunCalibrate(const CalibrateOptions& o) {
  Logger log = o.out.logger();
  if (!o.profile.empty()) CheckOutputWritable(o.profile);
  std::vector<std::string> warnings;
  calib::Profile p = calib::Calibrate(o.files, {o.device}, &warnings);
  for (const auto& w : warnings) log.Warn("{}", w);
  const std::string yaml = calib::ProfileYaml(p);
  if (!o.profile.empty()) {
    std::ofstream f(o.profile);
    f << yaml;
    if (!f) throw IoError(fmt::format("{}: cannot write the profile", o.profile));
  }
  if (o.out.format == "json") {
    std::cout << JsonText(ProfileJson(p, warnings)) << "\n";
  } else if (o.profile.empty()) {
    std::cout << yaml;
  } else {
    std::cout << fmt::format("profile of {}{} from {} run(s) -> {}\n", p.device,
                             p.gpu.empty() ? "" : " (" + p.gpu + ")", p.sources.size(), o.profile);
    for (const auto& g : p.gemm) {
      std::cout << fmt::format(
          "  gemm {:<5} R {:>14}  k_half {:>6.0f}  overhead {:>10}  {} points  error median {:.1f}% "
          "max {:.1f}%\n",
          g.dtype, FormatQuantity(g.model.rate, Dimension::kFlopRate), g.model.k_half,
          FormatQuantity(g.model.overhead_s, Dimension::kTime), g.points, 100 * g.model.error.median,
          100 * g.model.error.max);
    }
    if (p.memory) {
      std::cout << fmt::format("  memory      {:>14}  ({})\n",
                               FormatQuantity(p.memory->bandwidth, Dimension::kBandwidth), p.memory->kernel);
    }
    for (const auto& c : p.collectives) {
      std::cout << fmt::format(
          "  {:<14} {:<5} {:>3} ranks  busbw {:>12}  latency {:>10}  {} points  error median "
          "{:.1f}% max {:.1f}%\n",
          c.op, c.tier, c.ranks, FormatQuantity(c.fit.bandwidth, Dimension::kBandwidth),
          FormatQuantity(c.fit.alpha_s, Dimension::kTime), c.points, 100 * c.fit.error.median, 100 * c.fit.error.max);
    }
  }
  return 0;
}

}  // namespace

void RegisterCalibrateCommand(CLI::App& app, AppContext& /*ctx*/, Action* action) {
  auto* cmd = app.add_subcommand("calibrate", "fit the simulator's models to measured results (a hardware profile)");
  auto o = std::make_shared<CalibrateOptions>();
  // No CLI::ExistingFile: the reader says what is wrong with a file (missing,
  // a directory, not HDF5, ...) with exit 4, as `report` does.
  cmd->add_option("RESULTS", o->files, "results files (HDF5) of kernels and collectives runs")->required();
  AddOutputOptions(cmd, &o->out, /*with_output_file=*/false);
  cmd->add_option("-o,--output", o->profile, "write the profile (YAML) here; without it, print it")
      ->type_name("PROFILE.yaml");
  cmd->add_option("--device", o->device, "which device's measurements to use when the files mix several");
  *action = [o]() { return RunCalibrate(*o); };
}

}  // namespace cb
