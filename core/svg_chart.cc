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

}  // namespace

std::string RenderHeatMap(const HeatMap& map) {
  const auto text = map.value_text ? map.value_text : DefaultText;
  const int n = static_cast<int>(map.labels.size());
  double lo = INFINITY, hi = -INFINITY;
  bool missing = false;
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      const double v = r < static_cast<int>(map.values.size()) && c < static_cast<int>(map.values[r].size())
                           ? map.values[r][c]
                           : NAN;
      if (std::isnan(v)) {
        missing |= r != c;
        continue;
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (!(lo <= hi)) lo = hi = 0;
  size_t longest = 1;
  for (const auto& l : map.labels) longest = std::max(longest, l.size());
  const int cell = std::clamp(480 / std::max(n, 1), 6, 40);
  const int label_w = static_cast<int>(std::min<size_t>(longest, 24) * 7) + 10;
  const int left = 30 + label_w, top = 10;
  const int grid = cell * n;
  const int bottom_labels = label_w;  // column labels, rotated
  const int legend_x = left + grid + 30, legend_w = 16, legend_h = std::max(grid, 160);
  // Room right of the legend for its tick values, its label and the marked-cell entry.
  const int w = legend_x + legend_w + std::max(200, 30 + static_cast<int>(map.marked_label.size()) * 7);
  const int h = top + std::max(grid, legend_h) + bottom_labels + 40;
  std::string o = Open(map.title, "heatmap", w, h);
  const bool show_values = n <= 16 && cell >= 30;
  for (int r = 0; r < n; ++r) {
    const int y = top + r * cell;
    o += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" dominant-baseline=\"middle\">{}</text>\n",
        left - 4, y + cell / 2, EscapeHtml(map.labels[static_cast<size_t>(r)]));
    for (int c = 0; c < n; ++c) {
      const int x = left + c * cell;
      const double v = r < static_cast<int>(map.values.size()) && c < static_cast<int>(map.values[r].size())
                           ? map.values[r][c]
                           : NAN;
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
          x, y, cell, cell, fill, EscapeHtml(tip));
      if (show_values && !none) {
        // Light text on the dark half of the scale, dark on the light half.
        const bool dark = hi > lo && (v - lo) / (hi - lo) < 0.6;
        o += fmt::format(
            "<text x=\"{}\" y=\"{}\" font-size=\"9\" text-anchor=\"middle\" dominant-baseline=\"middle\" "
            "fill=\"{}\">{}</text>\n",
            x + cell / 2, y + cell / 2, dark ? "#ffffff" : "#212121", EscapeHtml(text(v)));
      }
    }
  }
  for (const auto& [r, c] : map.marked) {
    if (r < 0 || c < 0 || r >= n || c >= n) continue;
    o += fmt::format(
        "<rect class=\"marked\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#d50000\" "
        "stroke-width=\"3\"/>\n",
        left + c * cell + 1, top + r * cell + 1, cell - 2, cell - 2);
  }
  // Column labels under the grid, turned so long names fit.
  for (int c = 0; c < n; ++c) {
    const int x = left + c * cell + cell / 2, y = top + grid + 6;
    o += fmt::format(
        "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\" transform=\"rotate(-60 {} {})\">{}</text>\n", x,
        y, x, y, EscapeHtml(map.labels[static_cast<size_t>(c)]));
  }
  o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n", left + grid / 2,
                   top + grid + bottom_labels + 24, EscapeHtml(map.x_axis));
  o += fmt::format(
      "<text x=\"12\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 {})\">{}</text>\n",
      top + grid / 2, top + grid / 2, EscapeHtml(map.y_axis));
  // The colour scale: a vertical gradient, highest value at the top.
  o += "<defs><linearGradient id=\"heat-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int i = 0; i <= 8; ++i) {
    o += fmt::format("<stop offset=\"{:.3f}\" stop-color=\"{}\"/>", i / 8.0, Viridis(i / 8.0));
  }
  o += "</linearGradient></defs>\n";
  o += fmt::format(
      "<rect class=\"legend\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#heat-scale)\" "
      "stroke=\"#616161\"/>\n",
      legend_x, top, legend_w, legend_h);
  for (int i = 0; i <= 4; ++i) {
    const double v = lo + (hi - lo) * i / 4.0;
    const int y = top + legend_h - legend_h * i / 4;
    o += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#616161\"/>\n", legend_x + legend_w, y,
                     legend_x + legend_w + 4, y);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\" dominant-baseline=\"middle\">{}</text>\n",
                     legend_x + legend_w + 7, y, EscapeHtml(text(v)));
  }
  o += fmt::format(
      "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(90 {} {})\">{}</text>\n",
      legend_x + legend_w + 90, top + legend_h / 2, legend_x + legend_w + 90, top + legend_h / 2,
      EscapeHtml(map.scale_label));
  int ly = top + legend_h + 24;
  if (missing) {
    o += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"#e0e0e0\"/>\n", legend_x, ly - 10);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">not measured</text>\n", legend_x + 18, ly);
    ly += 18;
  }
  if (!map.marked.empty()) {
    o += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"none\" stroke=\"#d50000\" "
        "stroke-width=\"2\"/>\n",
        legend_x, ly - 10);
    o += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>\n", legend_x + 18, ly,
                     EscapeHtml(map.marked_label));
  }
  return o + "</svg>\n";
}

}  // namespace cb
