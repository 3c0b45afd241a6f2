// The report charts (core/svg_chart.h): nice ticks, axes with labels and
// units, legends for marker lines, escaped text.
#include "core/svg_chart.h"

#include <gtest/gtest.h>

#include <cmath>
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

// Three nodes; the pair (1, 2) was not measured, the diagonal never is. The
// colour scale spans the measured range: the lowest cell is viridis' first
// stop #440154, the highest its last #fde725. Cells are 480/3 clamped to 40 px,
// so the values fit and are printed; the marked cell (0, 1) is outlined at
// left + 40 + 1 with left = 30 + label width (6 characters x 7 + 10 = 52).
TEST(SvgChart, HeatMapColoursTheMeasuredRangeAndMarksCells) {
  HeatMap m;
  m.title = "pairs <rail 0>";
  m.scale_label = "bandwidth each way (GB/s)";
  m.labels = {"node-0", "node-1", "node-2"};
  const double nan = std::nan("");
  m.values = {{nan, 10, 20}, {10, nan, nan}, {20, 30, nan}};
  m.marked = {{0, 1}, {5, 5}};  // the second is outside the grid: ignored
  m.marked_label = "slow pair";
  const std::string svg = RenderHeatMap(m);
  EXPECT_NE(svg.find("<h3>pairs &lt;rail 0&gt;</h3>"), std::string::npos);
  EXPECT_EQ(Count(svg, "stroke-width=\"1\"><title>"), 9u);  // every cell, diagonal included
  EXPECT_EQ(Count(svg, "fill=\"#440154\" stroke"), 2u);     // the two cells of 10
  EXPECT_EQ(Count(svg, "fill=\"#fde725\" stroke"), 1u);     // the one of 30
  EXPECT_EQ(Count(svg, "fill=\"#e0e0e0\" stroke"), 1u);     // (1, 2) not measured
  EXPECT_EQ(Count(svg, "fill=\"#ffffff\" stroke"), 3u);     // the diagonal
  EXPECT_NE(svg.find("<title>node-1 - node-2: not measured</title>"), std::string::npos);
  EXPECT_NE(svg.find(">not measured</text>"), std::string::npos);  // the legend says what grey is
  EXPECT_EQ(Count(svg, "class=\"marked\""), 1u);
  EXPECT_NE(svg.find("class=\"marked\" x=\"123\" y=\"11\" width=\"38\" height=\"38\""), std::string::npos);
  EXPECT_NE(svg.find(">slow pair</text>"), std::string::npos);
  EXPECT_EQ(Count(svg, "font-size=\"9\""), 5u);  // the five measured values, printed in their cells
  // Legend ticks: lo, hi and three between, each with its value.
  for (const char* v : {">10</text>", ">15</text>", ">20</text>", ">25</text>", ">30</text>"}) {
    EXPECT_NE(svg.find(v), std::string::npos) << v;
  }
}

TEST(SvgChart, HeatMapWithNothingMeasuredStillDrawsAScale) {
  HeatMap m;
  m.labels = {"a", "b"};  // no values at all
  const std::string svg = RenderHeatMap(m);
  EXPECT_EQ(Count(svg, "fill=\"#e0e0e0\" stroke"), 2u);
  EXPECT_NE(svg.find("class=\"legend\""), std::string::npos);
  EXPECT_EQ(svg.find("class=\"marked\""), std::string::npos);
  EXPECT_EQ(svg.find("font-size=\"9\""), std::string::npos);
}

}  // namespace
}  // namespace cb
