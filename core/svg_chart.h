// Charts for the HTML reports (`validate --report`, `compare --report`): inline
// SVG that reads without the tool's help — every chart has a title, an axis
// with ticks, tick labels and its unit, and every marker line says what it is
// in a legend. One module owns the drawing so the reports cannot drift apart
// (issue 16: one SVG/HTML helper; issue 17: pictures that read).
//
// Ticks are "nice" numbers (Heckbert, "Nice numbers for graph labels",
// Graphics Gems, 1990): the step is 1, 2 or 5 × 10^k, chosen so that about
// five ticks span [0, max]; on a log axis, each decade's 1, 2 and 5 where the
// range is under two decades, else the decades alone. Every string that goes
// into the SVG is escaped (core/markup.h).
#ifndef CLUSTERBENCH_CORE_SVG_CHART_H_
#define CLUSTERBENCH_CORE_SVG_CHART_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace cb {

// Tick values from 0 to at least `top` (> 0) with a 1-2-5 step, about
// `target` of them; the last tick is >= top.
std::vector<double> NiceTicks(double top, int target = 5);
// Ticks of a log10 axis covering [lo, hi] (0 < lo <= hi): 1-2-5 per decade
// when the range spans under two decades, else powers of ten; never empty
// (at least the two ends rounded out to 1-2-5 values).
std::vector<double> LogTicks(double lo, double hi);

struct Bar {
  std::string label;  // left of the bar
  double value = 0;   // its length, in the axis unit; <= 0 or NaN draws none
  std::string text;   // right of the bar (the value as people read it)
  std::string color = "#1565c0";
  std::string tooltip;  // <title> of the bar; empty: text
  double marker = 0;    // > 0: a dashed line at this value across the bar (e.g. the expected value)
};

struct BarChart {
  std::string title;
  std::string axis;          // the axis label with its unit, e.g. "bus bandwidth (GB/s)"
  std::string marker_label;  // what the dashed lines are, for the legend, e.g. "expected (threshold)"
  std::vector<Bar> bars;
  // Tick text from a value in the axis unit; default: shortest "{:g}".
  std::function<std::string(double)> tick_text;
};

// "<h3>title</h3><svg ...>": horizontal bars on a common x axis from 0, with
// ticks and grid lines at NiceTicks, the axis label under it, and a legend
// line for the markers when any bar has one.
std::string RenderBarChart(const BarChart& chart);

struct Point {
  std::string label;
  double x = 0, y = 0;
  std::string tooltip;
};

struct ScatterChart {
  std::string title;
  std::string x_axis, y_axis;  // labels with units
  bool log_x = false;
  std::vector<Point> points;
  std::function<std::string(double)> x_text, y_text;  // tick text; default "{:g}"
};

// "<h3>title</h3><svg ...>": labelled points, both axes with ticks and labels;
// y from 0 with NiceTicks, x linear from 0 or log10 with LogTicks.
std::string RenderScatterChart(const ScatterChart& chart);

// A square matrix of values between the same labels on both axes (pair
// bandwidths: row node, column node). Each cell is coloured on a sequential
// scale (viridis: dark purple for the lowest value measured, yellow for the
// highest; readable in grey and by colour-blind readers) that spans the
// measured range, drawn as a gradient legend with five labelled values and
// the scale's label and unit. A NaN cell was not measured (light grey with a
// legend entry); marked cells are outlined in red and named in the legend.
struct HeatMap {
  std::string title;
  std::string x_axis, y_axis;               // axis labels
  std::string scale_label;                  // the colour legend's label with its unit, e.g. "bandwidth each way (GB/s)"
  std::vector<std::string> labels;          // rows and columns alike
  std::vector<std::vector<double>> values;  // [row][column], in the legend's unit; NaN: not measured
  std::vector<std::vector<std::string>> tooltips;  // optional, [row][column]
  std::vector<std::pair<int, int>> marked;         // (row, column) cells outlined
  std::string marked_label;                        // what the outline means, for the legend
  std::function<std::string(double)> value_text;   // legend and cell text; default "{:g}"
};

// "<h3>title</h3><svg ...>"; values are printed in the cells while they fit
// (up to 16 labels).
std::string RenderHeatMap(const HeatMap& map);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_SVG_CHART_H_
