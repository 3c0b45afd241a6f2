#include "core/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/markup.h"

namespace cb {
namespace {

std::string DefaultText(double v) { return fmt::format("{:g}", v); }

// The 1-2-5 value nearest to x from below (down) or above (up), x > 0.
double Nice125(double x, bool up) {
  const double mag = std::pow(10, std::floor(std::log10(x)));
  const double steps[] = {1, 2, 5, 10};
  if (up) {
    for (double s : steps) {
      if (s * mag >= x * (1 - 1e-12)) return s * mag;
    }
    return 10 * mag;
  }
  double best = mag;
  for (double s : steps) {
    if (s * mag <= x * (1 + 1e-12)) best = s * mag;
  }
  return best;
}

// The chart's heading, <svg> element with its accessible name, and background.
std::string Open(const std::string& title, const char* kind, int w, int h) {
  std::string o = fmt::format("<h3>{}</h3>\n", EscapeHtml(title));
  o += fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart {}\" width=\"{}\" height=\"{}\" role=\"img\" "
      "aria-label=\"{}\">\n<title>{}</title>\n",
      kind, w, h, EscapeHtml(title), EscapeHtml(title));
  return o + fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#fafafa\"/>\n", w, h);
}

}  // namespace

std::vector<double> NiceTicks(double top, int target) {
  if (!(top > 0) || !std::isfinite(top)) return {0, 1};
  target = std::max(target, 1);
  const double raw = top / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const auto n = static_cast<int>(std::ceil(top / step - 1e-9));
  std::vector<double> ticks;
  for (int i = 0; i <= std::max(n, 1); ++i) ticks.push_back(i * step);
  return ticks;
}

std::vector<double> LogTicks(double lo, double hi) {
  if (!(hi > 0) || !std::isfinite(hi)) return {1, 10};
  if (!(lo > 0) || lo > hi) lo = hi;
  const double first = Nice125(lo, false), last = Nice125(hi, true);
  std::vector<double> ticks;
  if (std::log10(last / first) < 2) {
    for (double mag = std::pow(10, std::floor(std::log10(first))); mag <= last * (1 + 1e-12); mag *= 10) {
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * mag;
        if (v >= first * (1 - 1e-12) && v <= last * (1 + 1e-12)) ticks.push_back(v);
      }
    }
  } else {
    for (double v = std::pow(10, std::floor(std::log10(lo))); v <= hi * 10 * (1 - 1e-12); v *= 10) {
      ticks.push_back(v);
      if (v >= hi) break;
    }
  }
  if (ticks.size() < 2) ticks = {first, first == last ? Nice125(last * 1.01, true) : last};
  return ticks;
}

std::string RenderBarChart(const BarChart& chart) {
  const auto text = chart.tick_text ? chart.tick_text : DefaultText;
  double top = 0;
  bool markers = false;
  for (const Bar& b : chart.bars) {
    if (std::isfinite(b.value)) top = std::max(top, b.value);
    if (b.marker > 0 && std::isfinite(b.marker)) {
      top = std::max(top, b.marker);
      markers = true;
    }
  }
  const std::vector<double> ticks = NiceTicks(top > 0 ? top : 1);
  const double scale_top = ticks.back();
  const int bar_h = 22, label_w = 260, plot_w = 420, text_w = 260, w = label_w + plot_w + text_w;
  const int y0 = markers ? 34 : 18;
  const int axis_y = y0 + bar_h * static_cast<int>(chart.bars.size()) + 4;
  const int h = axis_y + 44;
  auto x_of = [&](double v) { return label_w + plot_w * v / scale_top; };

  std::string o = Open(chart.title, "bars", w, h);
  if (markers) {
    o += fmt::format(
        "<g class=\"legend\"><line x1=\"{}\" x2=\"{}\" y1=\"12\" y2=\"12\" stroke=\"#212121\" "
        "stroke-dasharray=\"3,2\"/><text x=\"{}\" y=\"16\" font-size=\"11\">{}</text></g>\n",
        label_w, label_w + 18, label_w + 24, EscapeHtml(chart.marker_label.empty() ? "marker" : chart.marker_label));
  }
  // Grid and ticks first, so the bars draw over the grid lines.
  for (double t : ticks) {
    const double x = x_of(t);
    o += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#e0e0e0\"/>\n", x,
                     x, y0, axis_y);
    o += fmt::format("<line class=\"tick\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#212121\"/>\n", x,
                     x, axis_y, axis_y + 4);
    o += fmt::format(
        "<text class=\"tick-label\" x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n", x,
        axis_y + 16, EscapeHtml(text(t)));
  }
  o += fmt::format("<line class=\"axis\" x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#212121\"/>\n", label_w,
                   label_w + plot_w, axis_y, axis_y);
  o += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                   label_w + plot_w / 2, axis_y + 34, EscapeHtml(chart.axis));
  for (size_t i = 0; i < chart.bars.size(); ++i) {
    const Bar& b = chart.bars[i];
    const int y = y0 + bar_h * static_cast<int>(i);
    const double len = b.value > 0 && std::isfinite(b.value) ? x_of(b.value) - label_w : 0;
    o += fmt::format("<text x=\"4\" y=\"{}\" font-size=\"12\">{}</text>\n", y + 15, EscapeHtml(b.label));
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>\n",
                     label_w, y + 3, len, bar_h - 6, EscapeHtml(b.color),
                     EscapeHtml(b.tooltip.empty() ? b.text : b.tooltip));
    o += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\">{}</text>\n", label_w + len + 4, y + 15,
                     EscapeHtml(b.text));
    if (b.marker > 0 && std::isfinite(b.marker)) {
      const double x = x_of(b.marker);
      o += fmt::format(
          "<line class=\"marker\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#212121\" "
          "stroke-dasharray=\"3,2\"><title>{}: {}</title></line>\n",
          x, x, y + 1, y + bar_h - 1, EscapeHtml(chart.marker_label), EscapeHtml(text(b.marker)));
    }
  }
  return o + "</svg>\n";
}

std::string RenderScatterChart(const ScatterChart& chart) {
  const auto xt = chart.x_text ? chart.x_text : DefaultText;
  const auto yt = chart.y_text ? chart.y_text : DefaultText;
  const int w = 760, h = 380, l = 70, r = 220, t = 20, b = 62;
  double x_lo = 1e300, x_hi = 0, y_hi = 0;
  for (const Point& p : chart.points) {
    if (p.x > 0 && std::isfinite(p.x)) {
      x_lo = std::min(x_lo, p.x);
      x_hi = std::max(x_hi, p.x);
    }
    if (std::isfinite(p.y)) y_hi = std::max(y_hi, p.y);
  }
  if (x_hi <= 0) x_lo = x_hi = 1;
  const std::vector<double> yticks = NiceTicks(y_hi > 0 ? y_hi : 1);
  const std::vector<double> xticks = chart.log_x ? LogTicks(x_lo, x_hi) : NiceTicks(x_hi);
  const double x0 = chart.log_x ? std::log10(xticks.front()) : 0;
  const double x1 = chart.log_x ? std::log10(xticks.back()) : xticks.back();
  auto px = [&](double x) {
    const double v = chart.log_x ? std::log10(x) : x;
    return l + (w - l - r) * (v - x0) / (x1 - x0);
  };
  auto py = [&](double y) { return h - b - (h - t - b) * y / yticks.back(); };

  std::string o = Open(chart.title, "scatter", w, h);
  for (double y : yticks) {
    o += fmt::format("<line class=\"grid\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#e0e0e0\"/>\n", l,
                     w - r, py(y), py(y));
    o += fmt::format("<line class=\"tick\" x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#212121\"/>\n",
                     l - 4, l, py(y), py(y));
    o +=
        fmt::format("<text class=\"tick-label\" x=\"{}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"end\">{}</text>\n",
                    l - 6, py(y) + 4, EscapeHtml(yt(y)));
  }
  for (double x : xticks) {
    o += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#e0e0e0\"/>\n",
                     px(x), px(x), t, h - b);
    o += fmt::format("<line class=\"tick\" x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#212121\"/>\n",
                     px(x), px(x), h - b, h - b + 4);
    o += fmt::format(
        "<text class=\"tick-label\" x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>\n", px(x),
        h - b + 16, EscapeHtml(xt(x)));
  }
  o += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#212121\"/>\n", l, h - b,
                   w - r, h - b);
  o += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#212121\"/>\n", l, t, l,
                   h - b);
  o += fmt::format("<text class=\"axis-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                   (l + w - r) / 2, h - 22, EscapeHtml(chart.x_axis));
  o += fmt::format(
      "<text class=\"axis-label\" x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" "
      "transform=\"rotate(-90 {} {})\">{}</text>\n",
      16, (t + h - b) / 2, 16, (t + h - b) / 2, EscapeHtml(chart.y_axis));
  for (const Point& p : chart.points) {
    if (!(p.x > 0) || !std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const double cx = px(p.x), cy = py(p.y);
    o += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"5\" fill=\"#c62828\"><title>{}</title></circle>\n", cx,
                     cy, EscapeHtml(p.tooltip.empty() ? p.label : p.tooltip));
    o += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\">{}</text>\n", cx + 8, cy + 4,
                     EscapeHtml(p.label));
  }
  return o + "</svg>\n";
}

namespace {

// Viridis (van der Walt and Smith, matplotlib 2.0), five stops interpolated
// linearly in sRGB; t in [0, 1].
std::string Viridis(double t) {
  static const int kStops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4;
  const int i = std::min(static_cast<int>(t), 3);
  const double f = t - i;
  int rgb[3];
  for (int k = 0; k < 3; ++k) {
    rgb[k] = static_cast<int>(std::lround(kStops[i][k] + f * (kStops[i + 1][k] - kStops[i][k])));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

// A cell's value; NaN where the map has none.
double CellValue(const HeatMap& map, int r, int c) {
  return r < static_cast<int>(map.values.size()) && c < static_cast<int>(map.values[r].size()) ? map.values[r][c] : NAN;
}

// The measured range the colour scale spans ([0, 0] when nothing was
// measured), and whether a cell off the diagonal was not measured.
struct HeatRange {
  double lo = 0, hi = 0;
  bool missing = false;
};

HeatRange RangeOf(const HeatMap& map) {
  const int n = static_cast<int>(map.labels.size());
  double lo = INFINITY, hi = -INFINITY;
  bool missing = false;
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const double v = CellValue(map, r, c);
      if (std::isnan(v)) {
        missing |= r != c;
        continue;
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(lo <= hi)) lo = hi = 0;
  return {lo, hi, missing};
}

// Where things go, in pixels: the grid of n x n cells right of the row
// labels, the column labels under it, the legend right of it.
struct HeatLayout {
  int n = 0, cell = 0, label_w = 0, left = 0, top = 10, grid = 0, bottom_labels = 0;
  int legend_x = 0, legend_w = 16, legend_h = 0, w = 0, h = 0;
};

HeatLayout LayOut(const HeatMap& map) {
  HeatLayout g;
  g.n = static_cast<int>(map.labels.size());
  size_t longest = 1;
  for (const auto& l : map.labels) longest = std::max(longest, l.size());
  g.cell = std::clamp(480 / std::max(g.n, 1), 6, 40);
  g.label_w = static_cast<int>(std::min<size_t>(longest, 24) * 7) + 10;
  g.left = 30 + g.label_w;
  g.grid = g.cell * g.n;
  g.bottom_labels = g.label_w;  // column labels, rotated
  g.legend_x = g.left + g.grid + 30;
  g.legend_h = std::max(g.grid, 160);
  // Room right of the legend for its tick values, its label and the marked-cell entry.
  g.w = g.legend_x + g.legend_w + std::max(200, 30 + static_cast<int>(map.marked_label.size()) * 7);
  g.h = g.top + std::max(g.grid, g.legend_h) + g.bottom_labels + 40;
  return g;
}

// Each row's label and cells: coloured by value, with a tooltip, and the
// value printed while it fits; then the outlines of the marked cells.
std::string HeatCells(const HeatMap& map, const HeatLayout& g, const HeatRange& range,
                      const std::function<std::string(double)>& text) {
  const double lo = range.lo, hi = range.hi;
  const bool show_values = g.n <= 16 && g.cell >= 30;
  std::string o;
  for (int r = 0; r < g.n; ++r) {
    const int y = g.top + r * g.cell;
    o += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        g.left - 4, y + g.cell / 2, EscapeHtml(map.labels[static_cast<size_t>(r)]));
    for (int c = 0; c < g.n; ++c) {
      const int x = g.left + c * g.cell;
      const double v = CellValue(map, r, c);
      const bool none = std::isnan(v);
      const std::string fill = none ? (r == c ? "#ffffff" : "#e0e0e0") : Viridis(hi > lo ? (v - lo) / (hi - lo) : 1);
      std::string tip = r < static_cast<int>(map.tooltips.size()) && c < static_cast<int>(map.tooltips[r].size())
                            ? map.tooltips[r][c]
                            : "";
      if (tip.empty()) {
        tip = fmt::format("{} - {}: {}", map.labels[static_cast<size_t>(r)], map.labels[static_cast<size_t>(c)],
                          none ? "not measured" : text(v));
      }
      o += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#fafafa\" "
          "stroke-width=\"1\"><title>{}</title></rect>\n",
          x, y, g.cell, g.cell, fill, EscapeHtml(tip));
      if (show_values && !none) {
        // Light text on the dark half of the scale, dark on the light half.
        const bool dark = hi > lo && (v - lo) / (hi - lo) < 0.6;
        o += fmt::format(
            "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" dominant-baseline=\"middle\" "
            "fill=\"{}\">{}</text>\n",
            x + g.cell / 2, y + g.cell / 2, dark ? "#ffffff" : "#212121", EscapeHtml(text(v)));
      }
    }
  }
  for (const auto& [r, c] : map.marked) {
    if (r < 0 || c < 0 || r >= g.n || c >= g.n) continue;
    o += fmt::format(
        "<rect class=\"marked\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#d50000\" "
        "stroke-width=\"3\"/>\n",
        g.left + c * g.cell + 1, g.top + r * g.cell + 1, g.cell - 2, g.cell - 2);
  }
  return o;
}

// Column labels under the grid, turned so long names fit, and the two axis labels.
std::string HeatAxes(const HeatMap& map, const HeatLayout& g) {
  std::string o;
  for (int c = 0; c < g.n; ++c) {
    const int x = g.left + c * g.cell + g.cell / 2, y = g.top + g.grid + 6;
    o += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-60 {} {})\">{}</text>\n", x,
        y, x, y, EscapeHtml(map.labels[static_cast<size_t>(c)]));
  }
  o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n", g.left + g.grid / 2,
                   g.top + g.grid + g.bottom_labels + 24, EscapeHtml(map.x_axis));
  o += fmt::format(
      "<text x=\"12\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">{}</text>\n",
      g.top + g.grid / 2, g.top + g.grid / 2, EscapeHtml(map.y_axis));
  return o;
}

// The colour scale: a vertical gradient, highest value at the top, five
// ticks over the measured range and its label; under it, what grey cells
// and outlined cells mean (when there are any).
std::string HeatLegend(const HeatMap& map, const HeatLayout& g, const HeatRange& range,
                       const std::function<std::string(double)>& text) {
  std::string o = "<defs><linearGradient id=\"heat-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int i = 0; i <= 8; ++i) {
    o += fmt::format("<stop offset=\"{:.3f}\" stop-color=\"{}\"/>", i / 8.0, Viridis(i / 8.0));
  }
  o += "</linearGradient></defs>\n";
  o += fmt::format(
      "<rect class=\"legend\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#heat-scale)\" "
      "stroke=\"#616161\"/>\n",
      g.legend_x, g.top, g.legend_w, g.legend_h);
  const int tick_x = g.legend_x + g.legend_w;
  for (int i = 0; i <= 4; ++i) {
    const double v = range.lo + (range.hi - range.lo) * i / 4.0;
    const int y = g.top + g.legend_h - g.legend_h * i / 4;
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#616161\"/>\n", tick_x, y, tick_x + 4, y);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" dominant-baseline=\"middle\">{}</text>\n", tick_x + 7, y,
                     EscapeHtml(text(v)));
  }
  o += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(90 {} {})\">{}</text>\n",
      tick_x + 90, g.top + g.legend_h / 2, tick_x + 90, g.top + g.legend_h / 2, EscapeHtml(map.scale_label));
  int ly = g.top + g.legend_h + 24;
  if (range.missing) {
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#e0e0e0\"/>\n", g.legend_x, ly - 10);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">not measured</text>\n", g.legend_x + 18, ly);
    ly += 18;
  }
  if (!map.marked.empty()) {
    o += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"#d50000\" "
        "stroke-width=\"2\"/>\n",
        g.legend_x, ly - 10);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", g.legend_x + 18, ly,
                     EscapeHtml(map.marked_label));
  }
  return o;
}

}  // namespace

std::string RenderHeatMap(const HeatMap& map) {
  const std::function<std::string(double)> text = map.value_text ? map.value_text : DefaultText;
  const HeatRange range = RangeOf(map);
  const HeatLayout g = LayOut(map);
  return Open(map.title, "heatmap", g.w, g.h) + HeatCells(map, g, range, text) + HeatAxes(map, g) +
         HeatLegend(map, g, range, text) + "</svg>\n";
}

}  // namespace cb
