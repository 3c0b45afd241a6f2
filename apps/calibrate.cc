// `clusterbench calibrate RESULTS.h5 [MORE.h5 ...] -o profile.yaml`: fits the
// simulator's GEMM, memory and collective models to measured runs
// (calibrate/profile.h) and writes a profile that `simulate --calibration`
// reads.
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "calibrate/profile.h"
#include "calibrate/profile_report.h"
#include "core/error.h"

namespace cb {
namespace {

struct CalibrateOptions {
  OutputOptions out;
  std::vector<std::string> files;
  std::string profile;
  std::string device;
};

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
    std::cout << JsonText(calib::ProfileToJson(p, warnings)) << "\n";
  } else if (o.profile.empty()) {
    std::cout << yaml;
  } else {
    std::cout << calib::ProfileSummaryText(p, o.profile);
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
