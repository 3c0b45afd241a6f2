// Scenario: a run of fp64 then fp32 GEMMs of 1000^3 and 2000^3 (2e9 and 1.6e10
// FLOP) and one STREAM step of 0.8 s, under a 0.2 s budget. A GEMM still to run
// takes max(budget, two calls of flops / rate), the rate being its dtype's last
// (else the last of any dtype).
#include "kernels/progress.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

TEST(StepProgress, PredictsTheRestFromTheRatesMeasured) {
  StepProgress p({GemmDtype::kFp64, GemmDtype::kFp32}, {{"square", 1000, 1000, 1000}, {"square", 2000, 2000, 2000}}, 1,
                 0.8, 0.2);
  EXPECT_EQ(p.total(), 5);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 4 * 0.2 + 0.8);  // nothing measured: a budget each
  // fp64 at 1 GFLOP/s: 2000^3 takes 2 x 16 s; fp32, unmeasured, is taken at the same rate
  // (2 x 2 s and 2 x 16 s); then STREAM.
  std::string line = p.GemmDone(0, 1e9, 2.5);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 32 + 4 + 32 + 0.8);
  EXPECT_EQ(line.rfind("[1/5] gemm fp64 1000x1000x1000 done in 2.5 s; elapsed 2.5 s, about ", 0), 0u) << line;
  p.GemmDone(1, 1e9, 32);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 4 + 32 + 0.8);
  // fp32 measures 4 GFLOP/s: its 2000^3 is 2 x 4 s.
  p.GemmDone(2, 4e9, 1);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 8 + 0.8);
  p.GemmDone(3, 4e9, 8);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 0.8);
  line = p.TailDone("STREAM", 0.9);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 0);
  EXPECT_EQ(line.rfind("[5/5] STREAM done in ", 0), 0u) << line;
  EXPECT_NE(line.find("finished"), std::string::npos) << line;
}

// Tiny GEMMs never predict less than the budget per step: the harness runs to
// its budget unless the samples agree.
TEST(StepProgress, AStepTakesAtLeastTheBudget) {
  StepProgress p({GemmDtype::kFp64}, {{"square", 64, 64, 64}, {"square", 64, 64, 64}}, 0, 0, 0.5);
  p.GemmDone(0, 1e12, 0.5);
  EXPECT_DOUBLE_EQ(p.SecondsLeft(), 0.5);
}

}  // namespace
}  // namespace cb
