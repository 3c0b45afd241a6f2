// Scenario: each GPU a driver names is matched to its datasheet in
// configs/gpus by the documents' `match:` substrings, longest match winning.
#include "kernels/gpu_spec.h"
#include "core/gpu_match.h"

#include <gtest/gtest.h>

#include <cmath>

namespace cb {
namespace {

TEST(MatchGpuName, LongestSubstringWinsCaseInsensitively) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> c = {
      {"b200", {"B200"}}, {"gb200", {"GB200"}}, {"h100-sxm", {"H100 80GB HBM3", "H100 SXM"}}};
  std::string note;
  EXPECT_EQ(MatchGpuName("NVIDIA GB200", c, &note).value_or(""), "gb200");
  EXPECT_EQ(MatchGpuName("NVIDIA B200", c, &note).value_or(""), "b200");
  EXPECT_EQ(MatchGpuName("nvidia h100 80gb hbm3", c, &note).value_or(""), "h100-sxm");
}

TEST(MatchGpuName, NoMatchAndTiesGiveANote) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> c = {{"x", {"H100"}}, {"y", {"H100"}}};
  std::string note;
  EXPECT_FALSE(MatchGpuName("NVIDIA H100 PCIe", c, &note));
  EXPECT_NE(note.find("x and y"), std::string::npos) << note;
  EXPECT_FALSE(MatchGpuName("Tesla T4", c, &note));
  EXPECT_NE(note.find("matches no configs/gpus document"), std::string::npos) << note;
}

TEST(FindGpuDatasheet, ShippedConfigsMatchTheDriverNames) {
  ConfigLoader loader;
  std::string note;
  auto h200 = FindGpuDatasheet("NVIDIA H200", loader, &note);
  ASSERT_TRUE(h200) << note;
  EXPECT_EQ(h200->id, "h200-sxm");
  EXPECT_DOUBLE_EQ(h200->Peak("bf16"), 989e12);
  EXPECT_DOUBLE_EQ(h200->memory_bandwidth, 4800e9);
  auto h100 = FindGpuDatasheet("NVIDIA H100 80GB HBM3", loader, &note);
  ASSERT_TRUE(h100) << note;
  EXPECT_EQ(h100->id, "h100-sxm");
  EXPECT_DOUBLE_EQ(h100->Peak("fp64_tensor"), 67e12);
  EXPECT_EQ(h100->Peak("int8"), 0);  // not in the document
  auto gb200 = FindGpuDatasheet("NVIDIA GB200", loader, &note);
  ASSERT_TRUE(gb200) << note;
  EXPECT_EQ(gb200->id, "gb200");
  note.clear();
  EXPECT_FALSE(FindGpuDatasheet("NVIDIA GeForce RTX 4090", loader, &note));
  EXPECT_NE(note.find("RTX 4090"), std::string::npos) << note;
}

TEST(PercentOf, UnknownPeakIsNaN) {
  EXPECT_DOUBLE_EQ(PercentOf(760e12, 989e12), 100 * 760.0 / 989);
  EXPECT_TRUE(std::isnan(PercentOf(1, 0)));
}

}  // namespace
}  // namespace cb
