// The report charts (core/svg_chart.h): nice ticks, axes with labels and
// units, legends for marker lines, escaped text.
#include "core/svg_chart.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cb {
namespace {

size_t Count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChart, NiceTicksStepOneTwoFive) {
  EXPECT_EQ(NiceTicks(100), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(NiceTicks(93.5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(NiceTicks(7), (std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7}));
  const auto small = NiceTicks(0.42);
  ASSERT_EQ(small.size(), 6u);  // 0 .. 0.5 by 0.1
  for (size_t i = 0; i < small.size(); ++i) EXPECT_NEAR(small[i], 0.1 * static_cast<double>(i), 1e-12);
  EXPECT_EQ(NiceTicks(0), (std::vector<double>{0, 1}));  // nothing to show still draws an axis
  for (double top : {1.0, 3.3, 47.0, 512.0, 1.9e6}) {
    const auto t = NiceTicks(top);
    EXPECT_GE(t.back(), top);
    EXPECT_GE(t.size(), 3u) << top;
    EXPECT_LE(t.size(), 11u) << top;
  }
}

TEST(SvgChart, LogTicksCoverTheRangeInOneTwoFive) {
  // One decade: 1-2-5 marks (the compare plot had none between 10^4 and 10^5).
  EXPECT_EQ(LogTicks(16384, 49152), (std::vector<double>{10000, 20000, 50000}));
  EXPECT_EQ(LogTicks(16384, 16384), (std::vector<double>{10000, 20000}));
  // Three decades and more: powers of ten.
  EXPECT_EQ(LogTicks(8, 131072), (std::vector<double>{1, 10, 100, 1000, 10000, 100000, 1000000}));
}

TEST(SvgChart, BarChartHasAxisTicksUnitAndLegend) {
  BarChart c;
  c.title = "bus bandwidth <all_reduce>";
  c.axis = "bus bandwidth (GB/s)";
  c.marker_label = "expected (fleet best x 0.9)";
  c.bars = {{"node a", 180, "180 GB/s PASS", "#2e7d32", "", 170},
            {"node b", 95, "95 GB/s FAIL", "#c62828", "slow", 170}};
  const std::string svg = RenderBarChart(c);
  EXPECT_NE(svg.find("bus bandwidth (GB/s)"), std::string::npos);
  EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
  EXPECT_NE(svg.find("expected (fleet best x 0.9)"), std::string::npos);
  EXPECT_EQ(Count(svg, "class=\"tick\""), NiceTicks(180).size());
  EXPECT_EQ(Count(svg, "class=\"marker\""), 2u);
  EXPECT_NE(svg.find(">200</text>"), std::string::npos);   // the last tick: 0..200 by 50
  EXPECT_EQ(svg.find("<all_reduce>"), std::string::npos);  // escaped
  EXPECT_NE(svg.find("&lt;all_reduce&gt;"), std::string::npos);
  // No markers: no legend.
  c.bars[0].marker = c.bars[1].marker = 0;
  EXPECT_EQ(RenderBarChart(c).find("class=\"legend\""), std::string::npos);
}

TEST(SvgChart, ScatterChartLabelsBothAxes) {
  ScatterChart c;
  c.title = "MFU against GPU count";
  c.x_axis = "GPUs (log scale)";
  c.y_axis = "MFU (%)";
  c.log_x = true;
  c.points = {{"a", 16384, 0.41, ""}, {"b", 49152, 0.35, ""}};
  c.y_text = [](double v) { return std::to_string(static_cast<int>(v * 100 + 0.5)) + "%"; };
  const std::string svg = RenderScatterChart(c);
  EXPECT_NE(svg.find("GPUs (log scale)"), std::string::npos);
  EXPECT_NE(svg.find("MFU (%)"), std::string::npos);
  EXPECT_NE(svg.find(">20000</text>"), std::string::npos);
  EXPECT_NE(svg.find(">50%</text>"), std::string::npos);
  EXPECT_EQ(Count(svg, "<circle"), 2u);
  EXPECT_EQ(Count(svg, "class=\"tick\""), LogTicks(16384, 49152).size() + NiceTicks(0.41).size());
}

}  // namespace
}  // namespace cb
