// `simulate --calibration --collective/--gemm` without the CLI
// (calibrate/predict_one.h): the flags' text is checked before anything is
// predicted, and a profile without the model says so.
#include "calibrate/predict_one.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace cb::calib {
namespace {

TEST(PredictOne, ChecksTheFlagsBeforePredicting) {
  const Profile none;
  EXPECT_THROW(PredictOneCollective(none, "all_reduce", 1, "4M"), UsageError);
  EXPECT_THROW(PredictOneCollective(none, "all_reduce", 8, ""), UsageError);
  EXPECT_THROW(PredictOneCollective(none, "all_reduce", 8, "-3"), UsageError);
  EXPECT_THROW(PredictOneCollective(none, "all_reduce", 8, "lots"), UsageError);
  EXPECT_THROW(PredictOneCollective(none, "all_reduce", 8, "4M"), ConfigError);  // no model of all_reduce
  EXPECT_THROW(PredictOneGemm(none, "bf16", "2y2x2"), UsageError);
  EXPECT_THROW(PredictOneGemm(none, "bf16", "0x2x2"), UsageError);
  EXPECT_THROW(PredictOneGemm(none, "bf16", "2x2x2x"), UsageError);
  EXPECT_THROW(PredictOneGemm(none, "bf16", "2x2x2"), ConfigError);  // no model of bf16
}

}  // namespace
}  // namespace cb::calib
