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

// One row of a run's table, read by column name (the names of
// kernels/result_tables.h; a renamed column fails loudly, never prints blank).
struct Row {
  const Table& t;
  size_t i;
  int64_t Int(const char* c) const { return t.Int(i, c); }
  double Num(const char* c) const { return t.Float(i, c); }
  const std::string& Str(const char* c) const { return t.Str(i, c); }
  std::string Time(const char* c) const { return FormatQuantity(Num(c), Dimension::kTime); }
  std::string Calls() const { return fmt::format("{}{}", Int("samples"), Int("budget_limited") ? "*" : ""); }
  // The first column: the GPU index or "host", prefixed by the rank when the
  // job has several ("3:0" is rank 3's GPU 0).
  std::string Label(bool ranks, const char* gpu_column = "gpu") const {
    const int64_t gpu = Int(gpu_column);
    const std::string dev = gpu >= 0 ? std::to_string(gpu) : "host";
    return ranks ? fmt::format("{}:{}", Int("rank"), dev) : dev;
  }
};

const Table* Find(const std::vector<Table>& tables, const std::string& name) {
  for (const auto& t : tables) {
    if (t.name() == name) return &t;
  }
  return nullptr;
}

// What each measured row is called in the notes about the measurements.
std::string Described(const Row& r, bool ranks) {
  const std::string& table = r.t.name();
  const std::string label = r.Label(ranks);
  if (table == "gemm") {
    return fmt::format("{} gemm {} {}x{}x{}", label, r.Str("dtype"), r.Int("m"), r.Int("n"), r.Int("k"));
  }
  if (table == "memory") return fmt::format("{} stream {}", label, r.Str("benchmark"));
  if (table == "peak") return fmt::format("{} peak {} {}", label, r.Str("benchmark"), r.Str("dtype"));
  return fmt::format("{} copy {} {}->{}", label, r.Str("benchmark"), r.Int("src"), r.Int("dst"));
}

void PrintDevices(const Table& t, bool ranks, std::ostream& out) {
  for (size_t i = 0; i < t.size(); ++i) {
    const Row r{t, i};
    const std::string& spec = r.Str("spec");
    out << fmt::format("GPU {}: {} ({}, {}, CC {}, {} SMs), spec {}\n", r.Label(ranks), r.Str("device"), r.Str("uuid"),
                       r.Str("pci_bus_id"), r.Str("compute_capability"), r.Int("sm_count"),
                       spec.empty() ? "none (" + r.Str("spec_note") + ")" : spec);
    auto cond = [&](const char* when) {
      return fmt::format("{:.0f} MHz, {:.0f} C, {:.0f} W", r.Num(fmt::format("sm_clock_{}_hz", when).c_str()) / 1e6,
                         r.Num(fmt::format("temperature_{}_c", when).c_str()),
                         r.Num(fmt::format("power_{}_w", when).c_str()));
    };
    out << fmt::format("  before: {}; after: {}\n", cond("before"), cond("after"));
  }
  out << "\n";
}

void PrintGemm(const Table& t, bool ranks, std::ostream& out) {
  out << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6} {:>10} {:>8} {:>14} {:>7} {:>6} {:>9} {:>6}\n", "device",
                     "gemm", "shape", "m", "n", "k", "median", "spread", "rate", "of peak", "algos", "verified",
                     "calls");
  for (size_t i = 0; i < t.size(); ++i) {
    const Row r{t, i};
    const std::string head = fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6}", r.Label(ranks), r.Str("dtype"),
                                         r.Str("shape"), r.Int("m"), r.Int("n"), r.Int("k"));
    if (!r.Str("skipped").empty()) {
      out << fmt::format("{}  skipped: {}\n", head, r.Str("skipped"));
      continue;
    }
    out << fmt::format("{} {:>10} {:>7.2f}% {:>14} {:>7} {:>6} {:>9} {:>6}\n", head, r.Time("time_s"),
                       100 * r.Num("spread"), FormatQuantity(r.Num("flop_rate"), Dimension::kFlopRate),
                       Pct(r.Num("pct_of_peak")),
                       r.Int("gpu") >= 0 ? fmt::format("{}/{}", r.Int("best_algo"), r.Int("algos_tried")) : "-",
                       r.Int("wrong") ? "NO" : "yes", r.Calls());
  }
  out << "\n";
}

void PrintPeak(const Table& t, bool ranks, std::ostream& out) {
  out << fmt::format("{:<6} {:<5} {:<5} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", "gpu", "peak", "dtype",
                     "median", "rate", "clock", "clock peak", "of clock", "of spec", "verified");
  for (size_t i = 0; i < t.size(); ++i) {
    const Row r{t, i};
    const std::string head = fmt::format("{:<6} {:<5} {:<5}", r.Label(ranks), r.Str("benchmark"), r.Str("dtype"));
    if (!r.Str("skipped").empty()) {
      out << fmt::format("{}  skipped: {}\n", head, r.Str("skipped"));
      continue;
    }
    const double clock_peak = r.Num("clock_peak_flop_rate");
    out << fmt::format("{} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", head, r.Time("time_s"),
                       FormatQuantity(r.Num("flop_rate"), Dimension::kFlopRate),
                       fmt::format("{:.0f} MHz", r.Num("clock_hz") / 1e6),
                       clock_peak > 0 ? FormatQuantity(clock_peak, Dimension::kFlopRate) : "-",
                       Pct(r.Num("pct_of_clock_peak")), Pct(r.Num("pct_of_peak")), r.Int("wrong") ? "NO" : "yes");
  }
  out << "\n";
}

void PrintMemory(const Table& t, bool ranks, std::ostream& out) {
  out << fmt::format("{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>12} {:>8} {:>7} {:>6}\n", "device", "kernel",
                     "bytes/call", "median", "min", "max", "spread", "bandwidth", "of peak", "wrong", "calls");
  for (size_t i = 0; i < t.size(); ++i) {
    const Row r{t, i};
    out << fmt::format("{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>7.2f}% {:>12} {:>8} {:>7} {:>6}\n", r.Label(ranks),
                       r.Str("benchmark"), FormatBytes(static_cast<double>(r.Int("bytes"))), r.Time("time_s"),
                       r.Time("time_min_s"), r.Time("time_max_s"), 100 * r.Num("spread"),
                       FormatQuantity(r.Num("bandwidth"), Dimension::kBandwidth), Pct(r.Num("pct_of_peak")),
                       r.Int("wrong"), r.Calls());
  }
  out << "\n";
}

void PrintCopy(const Table& t, bool ranks, std::ostream& out) {
  out << fmt::format("{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", "copy", "src", "dst", "link",
                     "bytes", "median", "bandwidth", "of peak", "wrong");
  for (size_t i = 0; i < t.size(); ++i) {
    const Row r{t, i};
    out << fmt::format(
        "{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", r.Str("benchmark"), r.Label(ranks, "src"),
        r.Label(ranks, "dst"), r.Str("link"), FormatBytes(static_cast<double>(r.Int("bytes"))), r.Time("time_s"),
        FormatQuantity(r.Num("bandwidth"), Dimension::kBandwidth), Pct(r.Num("pct_of_peak")), r.Int("wrong"));
  }
}

}  // namespace

// What the harness could not do within the rules, said once per run: the
// measurements that took fewer timed calls than --min-reps to stay inside the
// time budget (a note), and those whose spread stayed above the harness's
// target (a warning: their medians are less certain). A measurement that
// settled stopped with its spread under the target, so the spread column
// alone tells which did not.
void SayMeasurementQuality(const std::vector<Table>& tables, const KernelsRunOptions& o, bool ranks,
                           const Logger& log) {
  std::vector<std::string> limited;
  std::string worst;
  double worst_spread = 0;
  int unsettled = 0, measured = 0;
  const double target = o.target_spread;
  for (const char* name : {"gemm", "memory", "peak", "copy"}) {
    const Table* t = Find(tables, name);
    for (size_t i = 0; t && i < t->size(); ++i) {
      const Row r{*t, i};
      const int64_t calls = r.Int("samples");
      if (calls == 0) continue;
      ++measured;
      if (r.Int("budget_limited")) {
        limited.push_back(fmt::format("{} ({} call(s) of {})", Described(r, ranks), calls, r.Time("time_s")));
      }
      const double spread = r.Num("spread");
      if (calls >= 2 && spread > target) {
        ++unsettled;
        if (spread > worst_spread) worst_spread = spread, worst = Described(r, ranks);
      }
    }
  }
  if (!limited.empty()) {
    log.Info(
        "note: {} measurement(s) took fewer than {} timed calls to stay within --time-budget {}: {}; a longer "
        "--time-budget, or --min-reps {}, takes more",
        limited.size(), o.min_reps, FormatQuantity(o.time_budget_s, Dimension::kTime), fmt::join(limited, ", "),
        o.min_reps);
  }
  if (unsettled > 0) {
    log.Warn(
        "{} of {} measurement(s) did not settle: spread above the target of {:g}% (--target-spread; worst {:.0f}%, "
        "{}); "
        "their medians are less certain: a busy or throttling machine, or too short a --time-budget",
        unsettled, measured, 100 * target, 100 * worst_spread, worst);
  }
}

void PrintTables(const std::vector<Table>& tables, bool ranks, std::ostream& out) {
  if (ranks) {
    // Which host each rank ran on, once, so the rank-prefixed rows can be traced.
    std::map<int64_t, std::string> hosts;
    for (const auto& t : tables) {
      for (size_t i = 0; i < t.size(); ++i) hosts[t.Int(i, "rank")] = t.Str(i, "host");
    }
    for (const auto& [r, h] : hosts) out << fmt::format("rank {}: {}\n", r, h);
    out << "\n";
  }
  if (const Table* t = Find(tables, "devices"); t && t->size()) PrintDevices(*t, ranks, out);
  if (const Table* t = Find(tables, "gemm"); t && t->size()) PrintGemm(*t, ranks, out);
  if (const Table* t = Find(tables, "peak"); t && t->size()) PrintPeak(*t, ranks, out);
  if (const Table* t = Find(tables, "memory"); t && t->size()) PrintMemory(*t, ranks, out);
  if (const Table* t = Find(tables, "copy"); t && t->size()) PrintCopy(*t, ranks, out);
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
