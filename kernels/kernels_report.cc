// The terminal side of a kernels run (kernels/kernels_report.h).
#include "kernels/kernels_report.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <map>
#include <utility>

#include "core/units.h"

namespace cb {

namespace {

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", v) : std::string("-"); }

// The first column (`device`): the GPU index or "host", prefixed by the rank when the
// job has several ("3:0" is rank 3's GPU 0).
std::string Label(const MeasuredOn& at, bool ranks) {
  const std::string dev = at.gpu >= 0 ? std::to_string(at.gpu) : "host";
  return ranks ? fmt::format("{}:{}", at.rank, dev) : dev;
}
}  // namespace

// What the harness could not do within the rules, said once per run: the
// measurements that took fewer timed calls than --min-reps to stay inside the
// time budget (a note), and those whose spread stayed above the harness's
// target (a warning: their medians are less certain).
void SayMeasurementQuality(const KernelsResults& res, const KernelsRunOptions& o, bool ranks, const Logger& log) {
  struct Seen {
    std::string what;
    const Measurement* m;
  };
  std::vector<Seen> all;
  for (const auto& g : res.gemm) {
    all.push_back(
        {fmt::format("{} gemm {} {}x{}x{}", Label(g.at, ranks), g.r.dtype, g.r.shape.m, g.r.shape.n, g.r.shape.k),
         &g.r.measurement});
  }
  for (const auto& s : res.stream) all.push_back({fmt::format("{} stream {}", Label(s.at, ranks), s.kernel), &s.m});
  for (const auto& p : res.peak) {
    all.push_back({fmt::format("{} peak {} {}", Label(p.at, ranks), p.r.kernel, p.r.dtype), &p.r.measurement});
  }
  for (const auto& c : res.copy) {
    all.push_back({fmt::format("{} copy {} {}->{}", Label(c.at, ranks), c.r.kind, c.r.src, c.r.dst), &c.r.measurement});
  }
  std::vector<std::string> limited;
  const Seen* worst = nullptr;
  int unsettled = 0, measured = 0;
  const double target = o.target_spread;
  for (const auto& x : all) {
    if (x.m->summary.count == 0) continue;
    ++measured;
    if (x.m->budget_limited) {
      limited.push_back(fmt::format("{} ({} call(s) of {})", x.what, x.m->summary.count,
                                    FormatQuantity(x.m->summary.median, Dimension::kTime)));
    }
    if (x.m->summary.count >= 2 && !x.m->converged && x.m->iqr_spread > target) {
      ++unsettled;
      if (!worst || x.m->iqr_spread > worst->m->iqr_spread) worst = &x;
    }
  }
  if (!limited.empty()) {
    log.Info(
        "note: {} measurement(s) took fewer than {} timed calls to stay within --time-budget {}: {}; a longer "
        "--time-budget, or --min-reps {}, takes more",
        limited.size(), o.min_reps, FormatQuantity(o.time_budget_s, Dimension::kTime), fmt::join(limited, ", "),
        o.min_reps);
  }
  if (worst) {
    log.Warn(
        "{} of {} measurement(s) did not settle: spread above the target of {:g}% (--target-spread; worst {:.0f}%, "
        "{}); "
        "their medians are less certain: a busy or throttling machine, or too short a --time-budget",
        unsettled, measured, 100 * target, 100 * worst->m->iqr_spread, worst->what);
  }
}

void PrintTables(const KernelsResults& res, bool ranks, std::ostream& out) {
  if (ranks) {
    // Which host each rank ran on, once, so the rank-prefixed rows can be traced.
    std::map<int, std::string> hosts;
    for (const auto& g : res.gemm) hosts[g.at.rank] = g.at.host;
    for (const auto& s : res.stream) hosts[s.at.rank] = s.at.host;
    for (const auto& d : res.devices) hosts[d.at.rank] = d.at.host;
    for (const auto& [r, h] : hosts) out << fmt::format("rank {}: {}\n", r, h);
    out << "\n";
  }
  if (!res.devices.empty()) {
    for (const auto& d : res.devices) {
      out << fmt::format("GPU {}: {} ({}, {}, CC {}.{}, {} SMs), spec {}\n", Label(d.at, ranks), d.at.device, d.at.uuid,
                         d.at.pci_bus_id, d.id.cc_major, d.id.cc_minor, d.id.sm_count,
                         d.at.spec ? d.at.spec->id : "none (" + d.spec_note + ")");
      auto cond = [](const GpuConditions& c) {
        return fmt::format("{:.0f} MHz, {:.0f} C, {:.0f} W", c.sm_clock_hz / 1e6, c.temperature_c, c.power_w);
      };
      out << fmt::format("  before: {}; after: {}\n", cond(d.before), cond(d.after));
    }
    out << "\n";
  }
  if (!res.gemm.empty()) {
    out << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6} {:>10} {:>8} {:>14} {:>7} {:>6} {:>9} {:>6}\n", "device",
                       "gemm", "shape", "m", "n", "k", "median", "spread", "rate", "of peak", "algos", "verified",
                       "calls");
    for (const auto& g : res.gemm) {
      const auto& r = g.r;
      const std::string gpu = Label(g.at, ranks);
      if (!r.skipped.empty()) {
        out << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6}  skipped: {}\n", gpu, r.dtype, r.shape.name, r.shape.m,
                           r.shape.n, r.shape.k, r.skipped);
        continue;
      }
      const auto& m = r.measurement.summary;
      out << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6} {:>10} {:>7.2f}% {:>14} {:>7} {:>6} {:>9} {:>6}\n", gpu,
                         r.dtype, r.shape.name, r.shape.m, r.shape.n, r.shape.k,
                         FormatQuantity(m.median, Dimension::kTime), 100 * r.measurement.iqr_spread,
                         FormatQuantity(r.flop_rate, Dimension::kFlopRate),
                         Pct(PercentOf(r.flop_rate, GemmPeak(g.at, r.dtype))),
                         g.at.gpu >= 0 ? fmt::format("{}/{}", r.best_algo, r.algos_tried) : std::string("-"),
                         r.wrong ? "NO" : "yes", fmt::format("{}{}", m.count, r.measurement.budget_limited ? "*" : ""));
    }
    out << "\n";
  }
  if (!res.peak.empty()) {
    out << fmt::format("{:<6} {:<5} {:<5} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", "gpu", "peak", "dtype",
                       "median", "rate", "clock", "clock peak", "of clock", "of spec", "verified");
    for (const auto& p : res.peak) {
      const auto& r = p.r;
      if (!r.skipped.empty()) {
        out << fmt::format("{:<6} {:<5} {:<5}  skipped: {}\n", Label(p.at, ranks), r.kernel, r.dtype, r.skipped);
        continue;
      }
      out << fmt::format("{:<6} {:<5} {:<5} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", Label(p.at, ranks),
                         r.kernel, r.dtype, FormatQuantity(r.measurement.summary.median, Dimension::kTime),
                         FormatQuantity(r.flop_rate, Dimension::kFlopRate), fmt::format("{:.0f} MHz", r.clock_hz / 1e6),
                         r.clock_peak > 0 ? FormatQuantity(r.clock_peak, Dimension::kFlopRate) : "-",
                         Pct(PercentOf(r.flop_rate, r.clock_peak)),
                         Pct(PercentOf(r.flop_rate, ArithmeticPeak(p.at, r))), r.wrong ? "NO" : "yes");
    }
    out << "\n";
  }
  if (!res.stream.empty()) {
    out << fmt::format("{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>12} {:>8} {:>7} {:>6}\n", "device", "kernel",
                       "bytes/call", "median", "min", "max", "spread", "bandwidth", "of peak", "wrong", "calls");
    for (const auto& s : res.stream) {
      const auto& m = s.m.summary;
      out << fmt::format(
          "{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>7.2f}% {:>12} {:>8} {:>7} {:>6}\n", Label(s.at, ranks), s.kernel,
          FormatBytes(static_cast<double>(s.bytes)), FormatQuantity(m.median, Dimension::kTime),
          FormatQuantity(m.min, Dimension::kTime), FormatQuantity(m.max, Dimension::kTime), 100 * s.m.iqr_spread,
          FormatQuantity(s.bandwidth, Dimension::kBandwidth), Pct(PercentOf(s.bandwidth, MemoryPeak(s.at))), s.wrong,
          fmt::format("{}{}", m.count, s.m.budget_limited ? "*" : ""));
    }
    out << "\n";
  }
  if (!res.copy.empty()) {
    out << fmt::format("{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", "copy", "src", "dst", "link",
                       "bytes", "median", "bandwidth", "of peak", "wrong");
    for (const auto& c : res.copy) {
      const auto& r = c.r;
      auto side = [&](int d) {
        const std::string dev = d < 0 ? std::string("host") : std::to_string(d);
        return ranks ? fmt::format("{}:{}", c.at.rank, dev) : dev;
      };
      out << fmt::format("{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", r.kind, side(r.src),
                         side(r.dst), r.link, FormatBytes(static_cast<double>(r.bytes)),
                         FormatQuantity(r.measurement.summary.median, Dimension::kTime),
                         FormatQuantity(r.bandwidth_Bps, Dimension::kBandwidth),
                         Pct(PercentOf(r.bandwidth_Bps, CopyPeak(c.at, r))), r.wrong);
    }
  }
}

// A GPU that two ranks measured at once (two ranks given the same --gpu on
// one host): both figures are shares of one GPU.
void WarnSharedGpus(const KernelsResults& res, const Logger& log) {
  std::map<std::pair<std::string, std::string>, std::vector<int>> by_gpu;  // (host, bus id) -> ranks
  for (const auto& d : res.devices) by_gpu[{d.at.host, d.at.pci_bus_id}].push_back(d.at.rank);
  for (const auto& [gpu, ranks] : by_gpu) {
    if (ranks.size() < 2) continue;
    log.Warn("GPU {} on {} was measured by ranks {} at the same time: each figure is a share of it", gpu.second,
             gpu.first, fmt::join(ranks, ", "));
  }
}

}  // namespace cb
