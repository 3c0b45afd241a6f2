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

}  // namespace cb
