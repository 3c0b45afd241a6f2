// `simulate --calibration P --collective OP --ranks N --bytes B` and
// `--gemm MxNxK --dtype D`: one operation predicted from the profile, so the
// measure -> calibrate -> predict loop can be checked directly. The flags'
// text is read here (UsageError naming the flag); the prediction is
// profile.h's PredictCollective / PredictGemm.
#ifndef CLUSTERBENCH_CALIBRATE_PREDICT_ONE_H_
#define CLUSTERBENCH_CALIBRATE_PREDICT_ONE_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "calibrate/profile.h"

namespace cb::calib {

// One prediction as `--format json` prints it (without the profile's path
// and device, which the caller adds) and as the terminal line(s).
struct OnePrediction {
  nlohmann::json json;
  std::string text;
};

// `bytes`: a size with K/M/G suffixes, > 0; `ranks` >= 2.
OnePrediction PredictOneCollective(const Profile& p, const std::string& op, int64_t ranks, const std::string& bytes);
// `mnk`: MxNxK, each at least 1.
OnePrediction PredictOneGemm(const Profile& p, const std::string& dtype, const std::string& mnk);

}  // namespace cb::calib

#endif  // CLUSTERBENCH_CALIBRATE_PREDICT_ONE_H_
