// A calibration profile as `clusterbench calibrate` shows it: JSON for
// machines (`--format json`) and the summary people read after `-o` (one line
// per fitted model with its error); the profile itself is YAML (profile.h
// ProfileYaml).
#ifndef CLUSTERBENCH_CALIBRATE_PROFILE_REPORT_H_
#define CLUSTERBENCH_CALIBRATE_PROFILE_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "calibrate/profile.h"

namespace cb::calib {

// The profile's models, sources and `warnings` (what was skipped and why).
nlohmann::json ProfileToJson(const Profile& p, const std::vector<std::string>& warnings);

// "profile of DEVICE (GPU) from N run(s) -> PATH", then one line per GEMM
// dtype, the memory bandwidth and each collective fit.
std::string ProfileSummaryText(const Profile& p, const std::string& path);

}  // namespace cb::calib

#endif  // CLUSTERBENCH_CALIBRATE_PROFILE_REPORT_H_
