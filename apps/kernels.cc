// `clusterbench kernels`: compute and memory benchmarks of this node.
// The host backend (OpenBLAS GEMM, threaded STREAM) runs everywhere; the GPU
// benchmarks come from the "kernels:cuda" factory when the CUDA backend is
// built (kernels/gpu_bench.h), so this file compiles the same without it.
// What each benchmark measures and how: docs/kernels.md.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "apps/command.h"
#include "collectives/backend.h"
#include "collectives/gather_text.h"
#include "core/config.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/node_info.h"
#include "core/stats.h"
#include "core/table.h"
#include "core/units.h"
#include "kernels/gpu_bench.h"
#include "kernels/gpu_spec.h"
#include "kernels/host_gemm.h"
#include "kernels/host_stream.h"
#include "kernels/model_shapes.h"
#include "kernels/progress.h"
#include "kernels/result_tables.h"
#include "store/hdf5_store.h"

namespace cb {

// ---------------------------------------- per-rank results as JSON text
// Under mpirun every rank measures its own device and sends its results to
// rank 0 as JSON text (collectives/gather_text.h). The raw samples stay on
// the rank: rank 0 prints and stores summaries only, and a thousand samples
// per figure times thousands of ranks would not fit on it.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Summary, count, min, max, mean, median, p99, mad, spread)
inline void to_json(nlohmann::json& j, const Measurement& m) {
  j = {{"summary", m.summary},
       {"iqr_spread", m.iqr_spread},
       {"converged", m.converged},
       {"interrupted", m.interrupted},
       {"budget_limited", m.budget_limited}};
}
inline void from_json(const nlohmann::json& j, Measurement& m) {
  j.at("summary").get_to(m.summary);
  j.at("iqr_spread").get_to(m.iqr_spread);
  j.at("converged").get_to(m.converged);
  j.at("interrupted").get_to(m.interrupted);
  m.budget_limited = j.value("budget_limited", false);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GemmShape, name, m, n, k)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuIdentity, index, name, uuid, pci_bus_id, serial, cc_major, cc_minor,
                                                sm_count, memory_bytes, l2_cache_bytes, sm_clock_max_hz)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuConditions, sm_clock_hz, temperature_c, power_w, power_limit_w,
                                                free_memory_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuGemmResult, dtype, shape, skipped, measurement, flop_rate,
                                                algos_returned, algos_tried, best_algo, heuristic_flop_rate,
                                                best_search_flop_rate, search, best_source, best_config,
                                                configs_enumerated, configs_checked, search_capped, checked, wrong,
                                                max_error_ratio)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuPeakResult, kernel, dtype, skipped, measurement, flops_per_call,
                                                flop_rate, clock_hz, flops_per_clock_sm, clock_peak, checked, wrong)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GpuCopyResult, kind, src, dst, link, skipped, bytes, measurement,
                                                bandwidth_Bps, checked, wrong)

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct KernelsOptions {
  OutputOptions out;
  std::string device = "auto";
  std::vector<std::string> benches = {"all"};
  std::string bytes;
  double time_budget_s = 2.0;
  std::vector<std::string> dtypes;
  std::vector<std::string> sizes;
  std::string model;
  int64_t tp = 0;
  int64_t tokens = 0;
  int64_t seq_len = 4096;
  int64_t micro_batch = 1;
  std::string gpus;  // empty: GPU 0 alone; under mpirun the rank's local index modulo the GPUs
  int algos = 16;
  std::string algo_search = "heuristic";
  int min_reps = 5;
  double target_spread = MeasureOptions{}.target_spread;
  bool min_reps_given = false;  // --min-reps on the command line: honoured past the time budget
  int threads = 0;
};

// Where a result was measured: the host, or one GPU and its datasheet, and
// by which rank on which host (rank 0 without a launcher).
struct Where {
  int rank = 0;
  std::string host;
  std::string device = "host";  // "host" or the GPU's name
  int gpu = -1;
  std::string uuid, pci_bus_id, serial;
  std::optional<GpuDatasheet> spec;
};

struct GemmRow {
  Where at;
  GpuGemmResult r;
  int64_t threads = 0;
};
struct StreamRow {
  Where at;
  std::string kernel;
  int64_t array_bytes = 0, bytes = 0, threads = 0;
  Measurement m;
  double bandwidth = 0;
  int64_t wrong = 0;
};
struct PeakRow {
  Where at;
  GpuPeakResult r;
};
struct CopyRow {
  Where at;
  GpuCopyResult r;
};
struct DeviceRow {
  Where at;
  GpuIdentity id;
  GpuConditions before, after;
  std::string spec_note;
};

struct Results {
  std::vector<GemmRow> gemm;
  std::vector<StreamRow> stream;
  std::vector<PeakRow> peak;
  std::vector<CopyRow> copy;
  std::vector<DeviceRow> devices;
  int64_t wrong() const {
    int64_t w = 0;
    for (const auto& g : gemm) w += g.r.wrong;
    for (const auto& s : stream) w += s.wrong;
    for (const auto& p : peak) w += p.r.wrong;
    for (const auto& c : copy) w += c.r.wrong;
    return w;
  }
};

// The datasheet is not sent: rank 0 looks it up again from the device name.
void to_json(nlohmann::json& j, const Where& w) {
  j = {{"rank", w.rank},    {"host", w.host}, {"device", w.device},
       {"gpu", w.gpu},      {"uuid", w.uuid}, {"pci_bus_id", w.pci_bus_id},
       {"serial", w.serial}};
}
void from_json(const nlohmann::json& j, Where& w) {
  j.at("rank").get_to(w.rank);
  j.at("host").get_to(w.host);
  j.at("device").get_to(w.device);
  j.at("gpu").get_to(w.gpu);
  j.at("uuid").get_to(w.uuid);
  j.at("pci_bus_id").get_to(w.pci_bus_id);
  j.at("serial").get_to(w.serial);
}
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(GemmRow, at, r, threads)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StreamRow, at, kernel, array_bytes, bytes, threads, m, bandwidth, wrong)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PeakRow, at, r)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CopyRow, at, r)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(DeviceRow, at, id, before, after, spec_note)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Results, gemm, stream, peak, copy, devices)

// ------------------------------------------------------------ spec figures

double GemmPeak(const Where& at, const std::string& dtype) {
  if (!at.spec) return 0;
  double p = at.spec->Peak(PeakKeyForGemm(dtype));
  if (p <= 0 && dtype == "fp64") p = at.spec->Peak("fp64");
  return p;
}
double ArithmeticPeak(const Where& at, const GpuPeakResult& r) {
  if (!at.spec) return 0;
  return at.spec->Peak(r.dtype);  // fma fp32 -> fp32, fma fp64 -> fp64 (vector), mma bf16 -> bf16
}
double MemoryPeak(const Where& at) { return at.spec ? at.spec->memory_bandwidth : 0; }
// What a copy's bandwidth is compared with: a peer copy over NVLink with one
// direction of the scale-up bandwidth; a device-to-device copy, which reads
// and writes each byte, with half the HBM bandwidth. Host links: unknown.
double CopyPeak(const Where& at, const GpuCopyResult& r) {
  if (!at.spec) return 0;
  if (r.kind == "peer" && r.link == "NVLink") return at.spec->scale_up_bandwidth / 2;
  if (r.kind == "d2d") return at.spec->memory_bandwidth / 2;
  return 0;
}

nlohmann::json NumberOrNull(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

// ------------------------------------------------------------ tables

std::vector<Cell> IdentityCells(const Where& at) {
  return {int64_t{at.rank}, at.host, at.device, int64_t{at.gpu}, at.uuid, at.pci_bus_id, at.serial};
}
std::vector<Cell> TimeCells(const Measurement& m) {
  if (m.summary.count == 0) return {kNaN, kNaN, kNaN, kNaN, int64_t{0}};
  return {m.summary.median, m.summary.min, m.summary.max, m.iqr_spread, static_cast<int64_t>(m.summary.count)};
}
void Add(Table& t, std::vector<std::vector<Cell>> parts) {
  std::vector<Cell> row;
  for (auto& p : parts) row.insert(row.end(), p.begin(), p.end());
  t.AddRow(std::move(row));
}

Table GemmTable(const std::vector<GemmRow>& rows) {
  Table t = GemmTableSchema();
  for (const auto& g : rows) {
    const auto& r = g.r;
    const double peak = GemmPeak(g.at, r.dtype);
    const bool gpu = g.at.gpu >= 0;
    Add(t, {{std::string("gemm")},
            IdentityCells(g.at),
            {r.dtype, r.shape.name, r.shape.m, r.shape.n, r.shape.k, g.threads},
            TimeCells(r.measurement),
            {r.skipped.empty() ? r.flop_rate : kNaN, peak > 0 ? peak : kNaN,
             r.skipped.empty() ? PercentOf(r.flop_rate, peak) : kNaN, int64_t{r.algos_returned}, int64_t{r.algos_tried},
             int64_t{r.best_algo}, gpu ? r.heuristic_flop_rate : kNaN, gpu ? r.best_search_flop_rate : kNaN, r.search,
             r.best_source, r.best_config, r.configs_enumerated, r.configs_checked, r.search_capped, r.checked, r.wrong,
             r.max_error_ratio, r.skipped}});
  }
  return t;
}

Table StreamTable(const std::vector<StreamRow>& rows) {
  Table t = StreamTableSchema();
  for (const auto& s : rows) {
    const double peak = MemoryPeak(s.at);
    Add(t, {{s.kernel},
            IdentityCells(s.at),
            {std::string("float64"), s.array_bytes, s.bytes, s.threads},
            TimeCells(s.m),
            {s.bandwidth, peak > 0 ? peak : kNaN, PercentOf(s.bandwidth, peak), s.wrong}});
  }
  return t;
}

Table PeakTable(const std::vector<PeakRow>& rows) {
  Table t = PeakTableSchema();
  for (const auto& p : rows) {
    const auto& r = p.r;
    const double peak = ArithmeticPeak(p.at, r);
    Add(t, {{r.kernel},
            IdentityCells(p.at),
            {r.dtype, r.flops_per_call},
            TimeCells(r.measurement),
            {r.flop_rate, r.clock_hz, r.flops_per_clock_sm, r.clock_peak > 0 ? r.clock_peak : kNaN,
             PercentOf(r.flop_rate, r.clock_peak), peak > 0 ? peak : kNaN, PercentOf(r.flop_rate, peak), r.checked,
             r.wrong, r.skipped}});
  }
  return t;
}

Table CopyTable(const std::vector<CopyRow>& rows) {
  Table t = CopyTableSchema();
  for (const auto& c : rows) {
    const auto& r = c.r;
    const double peak = CopyPeak(c.at, r);
    Add(t,
        {{r.kind},
         IdentityCells(c.at),
         {int64_t{r.src}, int64_t{r.dst}, r.link, r.bytes},
         TimeCells(r.measurement),
         {r.bandwidth_Bps, peak > 0 ? peak : kNaN, PercentOf(r.bandwidth_Bps, peak), r.checked, r.wrong, r.skipped}});
  }
  return t;
}

Table DevicesTable(const std::vector<DeviceRow>& rows) {
  Table t = BuildTable("devices", "each GPU measured: identity, datasheet matched, conditions before and after",
                       {IdentityColumns(),
                        {{"compute_capability", ColumnType::kString, "", "major.minor"},
                         {"sm_count", ColumnType::kInt64, "1", "streaming multiprocessors"},
                         {"memory_bytes", ColumnType::kInt64, "B", "device memory"},
                         {"l2_cache_bytes", ColumnType::kInt64, "B", "L2 cache"},
                         {"sm_clock_max_hz", ColumnType::kFloat64, "Hz", "maximum SM clock (cudaDevAttrClockRate)"},
                         {"spec", ColumnType::kString, "", "configs/gpus document matched (empty: none)"},
                         {"spec_note", ColumnType::kString, "", "why none matched"},
                         {"sm_clock_before_hz", ColumnType::kFloat64, "Hz", "SM clock before (NVML; 0 unknown)"},
                         {"sm_clock_after_hz", ColumnType::kFloat64, "Hz", "SM clock after"},
                         {"temperature_before_c", ColumnType::kFloat64, "degC", "GPU temperature before (-1 unknown)"},
                         {"temperature_after_c", ColumnType::kFloat64, "degC", "after"},
                         {"power_before_w", ColumnType::kFloat64, "W", "board power before (-1 unknown)"},
                         {"power_after_w", ColumnType::kFloat64, "W", "after"},
                         {"power_limit_w", ColumnType::kFloat64, "W", "enforced power limit (-1 unknown)"},
                         {"free_memory_bytes", ColumnType::kInt64, "B", "free device memory before"}}});
  for (const auto& d : rows) {
    Add(t, {IdentityCells(d.at),
            {fmt::format("{}.{}", d.id.cc_major, d.id.cc_minor), int64_t{d.id.sm_count}, d.id.memory_bytes,
             d.id.l2_cache_bytes, d.id.sm_clock_max_hz, d.at.spec ? d.at.spec->id : std::string(), d.spec_note,
             d.before.sm_clock_hz, d.after.sm_clock_hz, d.before.temperature_c, d.after.temperature_c, d.before.power_w,
             d.after.power_w, d.before.power_limit_w, d.before.free_memory_bytes}});
  }
  return t;
}

// ------------------------------------------------------------ JSON

// The fields every JSON result has: what, and who measured it.
nlohmann::json JsonBase(const Where& at, const std::string& bench) {
  nlohmann::json e = {{"benchmark", bench}, {"rank", at.rank}, {"host", at.host}, {"device", at.device}};
  if (at.gpu >= 0) e["gpu"] = at.gpu;
  return e;
}

// time_s and how far to trust it: timed calls, their spread, and whether the
// budget cut the calls below --min-reps.
void JsonTiming(nlohmann::json& e, const Measurement& m) {
  e["time_s"] = m.summary.count == 0 ? nlohmann::json(nullptr) : nlohmann::json(m.summary.median);
  e["samples"] = m.summary.count;
  e["spread"] = m.summary.count == 0 ? nlohmann::json(nullptr) : nlohmann::json(m.iqr_spread);
  e["budget_limited"] = m.budget_limited;
}

// A compute result that did not run: nulls where the figures would be, and why.
void JsonSkipped(nlohmann::json& e, const std::string& why) {
  e["time_s"] = nullptr;
  e["tflops"] = nullptr;
  e["pct_of_peak"] = nullptr;
  e["verified"] = nullptr;
  e["skipped"] = why;
}

nlohmann::json GemmJson(const GemmRow& g) {
  const auto& r = g.r;
  nlohmann::json e = JsonBase(g.at, "gemm");
  e["dtype"] = r.dtype;
  e["shape"] = r.shape.name;
  e["m"] = r.shape.m;
  e["n"] = r.shape.n;
  e["k"] = r.shape.k;
  if (!r.skipped.empty()) {
    JsonSkipped(e, r.skipped);
    return e;
  }
  JsonTiming(e, r.measurement);
  e["tflops"] = r.flop_rate / 1e12;
  e["pct_of_peak"] = NumberOrNull(PercentOf(r.flop_rate, GemmPeak(g.at, r.dtype)));
  e["verified"] = r.checked > 0 && r.wrong == 0;
  if (g.at.gpu >= 0) {
    // How the algorithm was chosen, so a figure can be compared with an
    // exhaustive search's (the 97% target) and reproduced.
    e["algo_search"] = {{"search", r.search},
                        {"candidates", r.algos_returned},
                        {"tried", r.algos_tried},
                        {"best", r.best_algo},
                        {"best_source", r.best_source},
                        {"best_config", r.best_config},
                        {"heuristic_tflops", r.heuristic_flop_rate / 1e12},
                        {"configs_enumerated", r.configs_enumerated},
                        {"capped", r.search_capped}};
  }
  return e;
}

nlohmann::json PeakJson(const PeakRow& p) {
  const auto& r = p.r;
  nlohmann::json e = JsonBase(p.at, "peak_" + r.kernel);
  e["dtype"] = r.dtype;
  if (!r.skipped.empty()) {
    JsonSkipped(e, r.skipped);
    return e;
  }
  JsonTiming(e, r.measurement);
  e["tflops"] = r.flop_rate / 1e12;
  e["pct_of_peak"] = NumberOrNull(PercentOf(r.flop_rate, ArithmeticPeak(p.at, r)));
  e["verified"] = r.checked > 0 && r.wrong == 0;
  e["clock_hz"] = r.clock_hz;
  e["pct_of_clock_peak"] = NumberOrNull(PercentOf(r.flop_rate, r.clock_peak));
  return e;
}

nlohmann::json StreamJson(const StreamRow& s) {
  nlohmann::json e = JsonBase(s.at, "stream_" + s.kernel);
  e["dtype"] = "float64";
  e["bytes"] = s.bytes;
  JsonTiming(e, s.m);
  e["gbps"] = s.bandwidth / 1e9;
  e["pct_of_peak"] = NumberOrNull(PercentOf(s.bandwidth, MemoryPeak(s.at)));
  e["verified"] = s.wrong == 0;
  return e;
}

nlohmann::json CopyJson(const CopyRow& c) {
  const auto& r = c.r;
  nlohmann::json e = JsonBase(c.at, "copy_" + r.kind);
  e["dtype"] = "bytes";
  e["src"] = r.src;
  e["dst"] = r.dst;
  e["link"] = r.link;
  e["bytes"] = r.bytes;
  JsonTiming(e, r.measurement);
  e["gbps"] = r.bandwidth_Bps / 1e9;
  e["pct_of_peak"] = NumberOrNull(PercentOf(r.bandwidth_Bps, CopyPeak(c.at, r)));
  e["verified"] = r.checked > 0 && r.wrong == 0;
  return e;
}

nlohmann::json DeviceJson(const DeviceRow& d) {
  auto conditions = [](const GpuConditions& c) {
    return nlohmann::json{{"sm_clock_hz", c.sm_clock_hz}, {"temperature_c", c.temperature_c}, {"power_w", c.power_w}};
  };
  return {{"rank", d.at.rank},
          {"host", d.at.host},
          {"gpu", d.at.gpu},
          {"name", d.at.device},
          {"uuid", d.at.uuid},
          {"pci_bus_id", d.at.pci_bus_id},
          {"serial", d.at.serial},
          {"compute_capability", fmt::format("{}.{}", d.id.cc_major, d.id.cc_minor)},
          {"sm_count", d.id.sm_count},
          {"spec", d.at.spec ? nlohmann::json(d.at.spec->id) : nlohmann::json(nullptr)},
          {"spec_note", d.spec_note},
          {"before", conditions(d.before)},
          {"after", conditions(d.after)}};
}

// `--format json`: every result in the order gemm, peak, stream, copy, then
// the devices measured.
nlohmann::json ToJson(const Results& res, bool interrupted) {
  nlohmann::json j = {{"results", nlohmann::json::array()}};
  for (const auto& g : res.gemm) j["results"].push_back(GemmJson(g));
  for (const auto& p : res.peak) j["results"].push_back(PeakJson(p));
  for (const auto& s : res.stream) j["results"].push_back(StreamJson(s));
  for (const auto& c : res.copy) j["results"].push_back(CopyJson(c));
  if (!res.devices.empty()) {
    j["devices"] = nlohmann::json::array();
    for (const auto& d : res.devices) j["devices"].push_back(DeviceJson(d));
  }
  if (interrupted) j["status"] = "interrupted";
  return j;
}

// ------------------------------------------------------------ terminal

std::string Pct(double v) { return std::isfinite(v) ? fmt::format("{:.1f}%", v) : std::string("-"); }

// The first column (`device`): the GPU index or "host", prefixed by the rank when the
// job has several ("3:0" is rank 3's GPU 0).
std::string Label(const Where& at, bool ranks) {
  const std::string dev = at.gpu >= 0 ? std::to_string(at.gpu) : "host";
  return ranks ? fmt::format("{}:{}", at.rank, dev) : dev;
}

// What the harness could not do within the rules, said once per run: the
// measurements that took fewer timed calls than --min-reps to stay inside the
// time budget (a note), and those whose spread stayed above the harness's
// target (a warning: their medians are less certain).
void SayMeasurementQuality(const Results& res, const KernelsOptions& o, bool ranks, const Logger& log) {
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

void PrintTables(const Results& res, bool ranks) {
  if (ranks) {
    // Which host each rank ran on, once, so the rank-prefixed rows can be traced.
    std::map<int, std::string> hosts;
    for (const auto& g : res.gemm) hosts[g.at.rank] = g.at.host;
    for (const auto& s : res.stream) hosts[s.at.rank] = s.at.host;
    for (const auto& d : res.devices) hosts[d.at.rank] = d.at.host;
    for (const auto& [r, h] : hosts) std::cout << fmt::format("rank {}: {}\n", r, h);
    std::cout << "\n";
  }
  if (!res.devices.empty()) {
    for (const auto& d : res.devices) {
      std::cout << fmt::format("GPU {}: {} ({}, {}, CC {}.{}, {} SMs), spec {}\n", Label(d.at, ranks), d.at.device,
                               d.at.uuid, d.at.pci_bus_id, d.id.cc_major, d.id.cc_minor, d.id.sm_count,
                               d.at.spec ? d.at.spec->id : "none (" + d.spec_note + ")");
      auto cond = [](const GpuConditions& c) {
        return fmt::format("{:.0f} MHz, {:.0f} C, {:.0f} W", c.sm_clock_hz / 1e6, c.temperature_c, c.power_w);
      };
      std::cout << fmt::format("  before: {}; after: {}\n", cond(d.before), cond(d.after));
    }
    std::cout << "\n";
  }
  if (!res.gemm.empty()) {
    std::cout << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6} {:>10} {:>8} {:>14} {:>7} {:>6} {:>9} {:>6}\n",
                             "device", "gemm", "shape", "m", "n", "k", "median", "spread", "rate", "of peak", "algos",
                             "verified", "calls");
    for (const auto& g : res.gemm) {
      const auto& r = g.r;
      const std::string gpu = Label(g.at, ranks);
      if (!r.skipped.empty()) {
        std::cout << fmt::format("{:<6} {:<6} {:<12} {:>6} {:>6} {:>6}  skipped: {}\n", gpu, r.dtype, r.shape.name,
                                 r.shape.m, r.shape.n, r.shape.k, r.skipped);
        continue;
      }
      const auto& m = r.measurement.summary;
      std::cout << fmt::format(
          "{:<6} {:<6} {:<12} {:>6} {:>6} {:>6} {:>10} {:>7.2f}% {:>14} {:>7} {:>6} {:>9} {:>6}\n", gpu, r.dtype,
          r.shape.name, r.shape.m, r.shape.n, r.shape.k, FormatQuantity(m.median, Dimension::kTime),
          100 * r.measurement.iqr_spread, FormatQuantity(r.flop_rate, Dimension::kFlopRate),
          Pct(PercentOf(r.flop_rate, GemmPeak(g.at, r.dtype))),
          g.at.gpu >= 0 ? fmt::format("{}/{}", r.best_algo, r.algos_tried) : std::string("-"), r.wrong ? "NO" : "yes",
          fmt::format("{}{}", m.count, r.measurement.budget_limited ? "*" : ""));
    }
    std::cout << "\n";
  }
  if (!res.peak.empty()) {
    std::cout << fmt::format("{:<6} {:<5} {:<5} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", "gpu", "peak",
                             "dtype", "median", "rate", "clock", "clock peak", "of clock", "of spec", "verified");
    for (const auto& p : res.peak) {
      const auto& r = p.r;
      if (!r.skipped.empty()) {
        std::cout << fmt::format("{:<6} {:<5} {:<5}  skipped: {}\n", Label(p.at, ranks), r.kernel, r.dtype, r.skipped);
        continue;
      }
      std::cout << fmt::format("{:<6} {:<5} {:<5} {:>10} {:>14} {:>10} {:>14} {:>9} {:>8} {:>9}\n", Label(p.at, ranks),
                               r.kernel, r.dtype, FormatQuantity(r.measurement.summary.median, Dimension::kTime),
                               FormatQuantity(r.flop_rate, Dimension::kFlopRate),
                               fmt::format("{:.0f} MHz", r.clock_hz / 1e6),
                               r.clock_peak > 0 ? FormatQuantity(r.clock_peak, Dimension::kFlopRate) : "-",
                               Pct(PercentOf(r.flop_rate, r.clock_peak)),
                               Pct(PercentOf(r.flop_rate, ArithmeticPeak(p.at, r))), r.wrong ? "NO" : "yes");
    }
    std::cout << "\n";
  }
  if (!res.stream.empty()) {
    std::cout << fmt::format("{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>12} {:>8} {:>7} {:>6}\n", "device",
                             "kernel", "bytes/call", "median", "min", "max", "spread", "bandwidth", "of peak", "wrong",
                             "calls");
    for (const auto& s : res.stream) {
      const auto& m = s.m.summary;
      std::cout << fmt::format(
          "{:<6} {:<8} {:>12} {:>10} {:>10} {:>10} {:>7.2f}% {:>12} {:>8} {:>7} {:>6}\n", Label(s.at, ranks), s.kernel,
          FormatBytes(static_cast<double>(s.bytes)), FormatQuantity(m.median, Dimension::kTime),
          FormatQuantity(m.min, Dimension::kTime), FormatQuantity(m.max, Dimension::kTime), 100 * s.m.iqr_spread,
          FormatQuantity(s.bandwidth, Dimension::kBandwidth), Pct(PercentOf(s.bandwidth, MemoryPeak(s.at))), s.wrong,
          fmt::format("{}{}", m.count, s.m.budget_limited ? "*" : ""));
    }
    std::cout << "\n";
  }
  if (!res.copy.empty()) {
    std::cout << fmt::format("{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", "copy", "src", "dst",
                             "link", "bytes", "median", "bandwidth", "of peak", "wrong");
    for (const auto& c : res.copy) {
      const auto& r = c.r;
      auto side = [&](int d) {
        const std::string dev = d < 0 ? std::string("host") : std::to_string(d);
        return ranks ? fmt::format("{}:{}", c.at.rank, dev) : dev;
      };
      std::cout << fmt::format("{:<13} {:>6} {:>6} {:<12} {:>12} {:>10} {:>12} {:>8} {:>7}\n", r.kind, side(r.src),
                               side(r.dst), r.link, FormatBytes(static_cast<double>(r.bytes)),
                               FormatQuantity(r.measurement.summary.median, Dimension::kTime),
                               FormatQuantity(r.bandwidth_Bps, Dimension::kBandwidth),
                               Pct(PercentOf(r.bandwidth_Bps, CopyPeak(c.at, r))), r.wrong);
    }
  }
}

// ------------------------------------------------------------ options

struct Plan {
  bool gemm = false, peak = false, stream = false, copy = false;
};

Plan ParseBenches(const std::vector<std::string>& benches, bool gpu) {
  Plan p;
  for (const auto& b : benches) {
    if (b == "all") {
      p.gemm = p.stream = true;
      p.peak = p.copy = gpu;
    } else if (b == "gemm") {
      p.gemm = true;
    } else if (b == "stream" || b == "memory") {
      p.stream = true;
    } else if (b == "peak" || b == "copy") {
      if (!gpu)
        throw UsageError(fmt::format("--bench {}: needs a GPU (--device cuda); the host runs gemm and stream", b));
      (b == "peak" ? p.peak : p.copy) = true;
    } else {
      throw UsageError(fmt::format("--bench {}: unknown (known: gemm, peak, stream, copy, all)", b));
    }
  }
  return p;
}

std::vector<std::string> ParseDtypes(const std::vector<std::string>& given, bool gpu) {
  if (given.empty()) return gpu ? GpuGemmDtypes() : std::vector<std::string>{"fp64", "fp32"};
  for (const auto& d : given) {
    if (!IsGpuGemmDtype(d)) {
      throw UsageError(fmt::format("--dtype {}: unknown precision (known: fp64, fp32, tf32, bf16, fp16, fp8)", d));
    }
    if (!gpu && d != "fp64" && d != "fp32") {
      throw UsageError(fmt::format("--dtype {}: the host backend runs fp64 and fp32", d));
    }
  }
  return given;
}

std::vector<GemmShape> ParseShapes(const KernelsOptions& o, bool gpu, Logger& log) {
  std::vector<GemmShape> shapes;
  if (!o.model.empty()) {
    const int64_t tp = o.tp > 0 ? o.tp : 1;
    const int64_t tokens = o.tokens > 0 ? o.tokens : o.seq_len * o.micro_batch;
    TransformerDims dims = DimsFromModel(ConfigLoader().Load("model", o.model));
    shapes = LayerGemms(dims, tp, tokens);
    log.Info("--model {}: {} GEMMs per layer and GPU at tp {}, {} tokens", dims.name, shapes.size(), tp, tokens);
  } else if (o.tp > 0) {
    throw UsageError("--tp: needs --model");
  }
  if (o.model.empty() || !o.sizes.empty()) {
    std::vector<std::string> sizes = o.sizes;
    if (sizes.empty()) {
      sizes = gpu ? std::vector<std::string>{"1024", "2048", "4096", "8192", "16384"}
                  : std::vector<std::string>{"1024", "2048", "4096"};
    }
    // Host: m·k must fit a BLAS int, n <= 46340 (46340² < 2^31).
    const int64_t max = gpu ? 65536 : 46340;
    for (const auto& text : sizes) {
      std::string why;
      auto v = ParseSize(text, &why);
      if (!v || *v < 1 || *v > static_cast<double>(max)) {
        throw UsageError(fmt::format("--sizes {}: expected a matrix size 1..{}", text, max));
      }
      const auto n = static_cast<int64_t>(*v);
      shapes.push_back({"square", n, n, n});
    }
  }
  return shapes;
}

std::vector<int> ParseGpus(const std::string& text, int count) {
  std::vector<int> out;
  if (text == "all") {
    for (int i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || v < 0) {
      throw UsageError(fmt::format("--gpu {}: expected all, or GPU indices such as 0 or 0,2", text));
    }
    if (v >= count) throw UsageError(fmt::format("--gpu {}: this machine has {} GPU(s), 0..{}", v, count, count - 1));
    if (std::find(out.begin(), out.end(), static_cast<int>(v)) == out.end()) out.push_back(static_cast<int>(v));
    start = comma + 1;
  }
  return out;
}

std::optional<int64_t> ParseBytes(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string why;
  // Above 1 TiB per array nothing fits in a device or host memory.
  auto v = ParseSize(text, &why, /*max_bytes=*/1099511627776.0);
  if (!v) throw UsageError(fmt::format("--bytes: {}", why));
  if (*v < 1024) throw UsageError(fmt::format("--bytes {}: must be at least 1K", text));
  return static_cast<int64_t>(*v);
}

// ------------------------------------------------------------ runs

// A line per finished step (kernels/progress.h) on a terminal, or with -v;
// none with -q or through a pipe.
bool ShowProgress(const Logger& log) {
  return log.verbosity() == Verbosity::kVerbose ||
         (log.verbosity() == Verbosity::kNormal && isatty(STDERR_FILENO) == 1);
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void RunHost(const KernelsOptions& o, const Plan& plan, const std::vector<std::string>& dtypes,
             const std::vector<GemmShape>& shapes, int64_t bytes, const MeasureOptions& mo, Logger& log, Results* res) {
  // STREAM is one step of four kernels, a budget each.
  StepProgress progress(plan.gemm ? dtypes : std::vector<std::string>{}, plan.gemm ? shapes : std::vector<GemmShape>{},
                        plan.stream ? 1 : 0, 4 * mo.time_budget_s, mo.time_budget_s);
  const bool show = ShowProgress(log);
  if (plan.gemm) {
    log.Info("host GEMM through {}", BlasInfo());
    size_t step = 0;
    for (const auto& d : dtypes) {
      for (const auto& s : shapes) {
        if (Interrupted()) return;
        const auto t0 = std::chrono::steady_clock::now();
        GemmResult g = RunHostGemm(d, s.m, s.n, s.k, mo);
        if (g.measurement.samples_s.empty()) return;
        const std::string line = progress.GemmDone(step++, g.flop_rate, SecondsSince(t0));
        if (show) log.Info("{}", line);
        GemmRow row;
        row.threads = g.threads;
        row.r.dtype = g.dtype;
        row.r.shape = s;
        row.r.measurement = g.measurement;
        row.r.flop_rate = g.flop_rate;
        row.r.checked = g.checked;
        row.r.wrong = g.wrong;
        row.r.max_error_ratio = g.max_error_ratio;
        res->gemm.push_back(std::move(row));
      }
    }
  }
  if (plan.stream && !Interrupted()) {
    log.Info("host STREAM: {} per array, {} thread(s), up to {:g} s per kernel",
             FormatBytes(static_cast<double>(bytes)),
             o.threads > 0 ? o.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), o.time_budget_s);
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& r : RunHostStream(bytes, o.threads, mo)) {
      res->stream.push_back({Where{}, r.kernel, r.array_bytes, r.bytes_moved, int64_t{r.threads}, r.measurement,
                             r.bandwidth_Bps, r.wrong});
    }
    const std::string line = progress.TailDone("STREAM", SecondsSince(t0));
    if (show && !Interrupted()) log.Info("{}", line);
  }
}

void RunGpu(GpuBench& gpu, const std::vector<int>& gpus, const Plan& plan, const std::vector<std::string>& dtypes,
            const std::vector<GemmShape>& shapes, std::optional<int64_t> bytes, const KernelsOptions& o,
            const MeasureOptions& mo, Logger& log, Results* res) {
  ConfigLoader loader;
  std::map<int, Where> where;
  for (int g : gpus) {
    DeviceRow d;
    d.id = gpu.Identify(g);
    d.at.device = d.id.name;
    d.at.gpu = g;
    d.at.uuid = d.id.uuid;
    d.at.pci_bus_id = d.id.pci_bus_id;
    d.at.serial = d.id.serial;
    d.at.spec = FindGpuDatasheet(d.id.name, loader, &d.spec_note);
    if (!d.at.spec) log.Warn("GPU {}: {}", g, d.spec_note);
    where[g] = d.at;
    res->devices.push_back(std::move(d));
  }
  GpuGemmOptions go;
  go.algo_candidates = o.algos;
  go.search = o.algo_search;
  go.measure = mo;
  go.candidate_budget_s = std::min(0.05, o.time_budget_s / 4);
  const int64_t memory_bytes = bytes.value_or(int64_t{1} << 30);
  const int64_t copy_bytes = bytes.value_or(int64_t{256} << 20);
  for (auto& d : res->devices) {
    const int g = d.at.gpu;
    d.before = gpu.Conditions(g);
    log.Info("GPU {}: {} ({}), CC {}.{}, {} SMs, {}; spec {}", g, d.id.name, d.id.pci_bus_id, d.id.cc_major,
             d.id.cc_minor, d.id.sm_count, FormatBytes(static_cast<double>(d.id.memory_bytes)),
             d.at.spec ? d.at.spec->id : "none");
    // Per GPU: its GEMMs, then peak and memory (several kernels, about four budgets each).
    StepProgress progress(plan.gemm ? dtypes : std::vector<std::string>{},
                          plan.gemm ? shapes : std::vector<GemmShape>{}, (plan.peak ? 1 : 0) + (plan.stream ? 1 : 0),
                          4 * mo.time_budget_s, mo.time_budget_s);
    const bool show = ShowProgress(log);
    size_t step = 0;
    if (plan.gemm) {
      for (const auto& dt : dtypes) {
        for (const auto& s : shapes) {
          if (Interrupted()) break;
          const auto t0 = std::chrono::steady_clock::now();
          GemmRow row{where[g], gpu.Gemm(g, dt, s, go), 0};
          const std::string line = progress.GemmDone(step++, row.r.flop_rate, SecondsSince(t0));
          if (show) log.Info("GPU {}: {}", g, line);
          if (!row.r.skipped.empty()) {
            log.Warn("GPU {} {} {} {}x{}x{}: skipped: {}", g, dt, s.name, s.m, s.n, s.k, row.r.skipped);
          } else {
            log.Debug("GPU {} {} {} {}x{}x{}: {} (algorithm {} of {} tried)", g, dt, s.name, s.m, s.n, s.k,
                      FormatQuantity(row.r.flop_rate, Dimension::kFlopRate), row.r.best_algo, row.r.algos_tried);
          }
          if (row.r.skipped.empty() && row.r.measurement.samples_s.empty()) break;  // interrupted
          res->gemm.push_back(std::move(row));
        }
      }
    }
    if (plan.peak && !Interrupted()) {
      const auto t0 = std::chrono::steady_clock::now();
      for (auto& r : gpu.Peak(g, mo)) res->peak.push_back({where[g], std::move(r)});
      const std::string line = progress.TailDone("peak", SecondsSince(t0));
      if (show && !Interrupted()) log.Info("GPU {}: {}", g, line);
    }
    if (plan.stream && !Interrupted()) {
      log.Info("GPU {} memory: {} per array", g, FormatBytes(static_cast<double>(memory_bytes)));
      const auto t0 = std::chrono::steady_clock::now();
      for (auto& r : gpu.Memory(g, memory_bytes, mo)) {
        res->stream.push_back(
            {where[g], r.kernel, r.array_bytes, r.bytes_moved, r.threads, r.measurement, r.bandwidth_Bps, r.wrong});
      }
      const std::string line = progress.TailDone("memory", SecondsSince(t0));
      if (show && !Interrupted()) log.Info("GPU {}: {}", g, line);
    }
    d.after = gpu.Conditions(g);
  }
  if (plan.copy && !Interrupted()) {
    log.Info("copies: {} per call over {} GPU(s)", FormatBytes(static_cast<double>(copy_bytes)), gpus.size());
    for (auto& r : gpu.Copy(gpus, copy_bytes, mo)) {
      const int side = r.src >= 0 ? r.src : r.dst;
      res->copy.push_back({where[side], std::move(r)});
    }
  }
}

// This process's place in the job: alone, or one rank under mpirun/srun.
struct Job {
  coll::Communicator* comm = nullptr;  // null without a launcher
  int rank = 0, size = 1;
  int local_rank = 0, local_size = 1;  // among the ranks on this host
  std::string host;
};

Job MakeJob(coll::Communicator* comm) {
  Job job;
  job.comm = comm;
  job.host = HostName();
  if (!comm) return job;
  job.rank = comm->rank();
  job.size = comm->size();
  job.local_size = 0;
  // Ranks sharing this host, counted from the hosts the backend gathered at
  // init: works under any launcher, whatever variables it sets.
  const auto& ranks = comm->ranks();
  for (const auto& r : ranks) {
    if (r.host != ranks[static_cast<size_t>(job.rank)].host) continue;
    if (r.rank < job.rank) ++job.local_rank;
    ++job.local_size;
  }
  job.host = ranks[static_cast<size_t>(job.rank)].host;
  return job;
}

// What one rank sends to rank 0.
struct RankOutcome {
  Results res;
  std::string device = "host";  // where it ran: cuda or host
  bool stream_planned = false;  // host runs write an empty stream table even when interrupted
  bool interrupted = false;
  int code = 0;  // an error's exit code; 0 when it measured
  std::string error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RankOutcome, res, device, stream_planned, interrupted, code, error)

// Measures this rank's device. Errors become the outcome's code and message:
// every rank must reach the gather, or the others would wait there forever.
RankOutcome MeasureHere(const KernelsOptions& o, const AppContext& ctx, const Job& job, Logger& log) {
  RankOutcome out;
  try {
    // Which device: a GPU through the CUDA backend's factory, or the host.
    std::unique_ptr<GpuBench> gpu;
    int gpu_count = 0;
    std::string why;
    auto factory_it = ctx.backends.factories.find(kCudaKernelsFactory);
    const bool have_cuda = factory_it != ctx.backends.factories.end();
    std::string device = o.device;
    if (device != "host") {
      if (have_cuda) {
        gpu = std::any_cast<GpuBenchFactory>(factory_it->second)();
        gpu_count = gpu->DeviceCount(&why);
      } else {
        why = "this build has no CUDA backend";
      }
      if (device == "cuda" && gpu_count == 0) {
        throw UsageError(
            fmt::format("--device cuda: no GPU on {} ({}); use --device host or --device auto", job.host, why));
      }
      if (device == "auto") {
        device = gpu_count > 0 ? "cuda" : "host";
        if (gpu_count == 0) log.Info("--device auto: no GPU ({}); running on the host", why);
      }
    }
    out.device = device;
    const bool on_gpu = device == "cuda";
    const Plan plan = ParseBenches(o.benches, on_gpu);
    out.stream_planned = plan.stream;
    const std::vector<std::string> dtypes = ParseDtypes(o.dtypes, on_gpu);
    const std::vector<GemmShape> shapes = plan.gemm ? ParseShapes(o, on_gpu, log) : std::vector<GemmShape>{};
    const std::optional<int64_t> bytes = ParseBytes(o.bytes);
    // One GPU per rank by default: the rank's place on its host, modulo the
    // GPUs it sees (so 8 ranks on an 8-GPU node take one each).
    std::string gpus_text = o.gpus;
    if (gpus_text.empty()) gpus_text = std::to_string(gpu_count > 0 ? job.local_rank % gpu_count : 0);
    const std::vector<int> gpus = on_gpu ? ParseGpus(gpus_text, gpu_count) : std::vector<int>{};

    MeasureOptions mo;
    mo.time_budget_s = o.time_budget_s;
    mo.min_reps = o.min_reps;
    mo.target_spread = o.target_spread;
    mo.min_reps_over_budget = o.min_reps_given;
    if (on_gpu) {
      RunGpu(*gpu, gpus, plan, dtypes, shapes, bytes, o, mo, log, &out.res);
    } else {
      KernelsOptions mine = o;
      if (mine.threads <= 0) {
        // The CPUs this rank may run on. A launcher that binds (mpirun binds
        // to cores at small counts) gives each rank its own: use them all.
        // Unbound ranks sharing a host share its cores: each gets its part,
        // or they would measure each other's contention.
        const long online = std::max(1L, sysconf(_SC_NPROCESSORS_ONLN));
        cpu_set_t mask;
        CPU_ZERO(&mask);
        const long allowed = sched_getaffinity(0, sizeof mask, &mask) == 0 ? CPU_COUNT(&mask) : online;
        if (allowed < online) {
          mine.threads = static_cast<int>(std::max(1L, allowed));
        } else if (job.local_size > 1) {
          mine.threads = static_cast<int>(std::max(1L, online / job.local_size));
        }
        if (mine.threads > 0) {
          log.Debug("{} rank(s) on {}, {} of {} CPUs allowed: {} thread(s)", job.local_size, job.host, allowed, online,
                    mine.threads);
        }
      }
      if (mine.threads > 0) SetHostGemmThreads(mine.threads);
      RunHost(mine, plan, dtypes, shapes, bytes.value_or(DefaultStreamArrayBytes()), mo, log, &out.res);
    }
  } catch (const Error& e) {
    out.code = static_cast<int>(e.code());
    out.error = e.what();
  } catch (const std::bad_alloc&) {
    out.code = static_cast<int>(ExitCode::kRuntime);
    out.error = "out of memory";
  } catch (const std::exception& e) {
    out.code = static_cast<int>(ExitCode::kRuntime);
    out.error = fmt::format("internal error: {}", e.what());
  }
  out.interrupted = Interrupted();
  auto stamp = [&](Where& at) {
    at.rank = job.rank;
    at.host = job.host;
  };
  for (auto& r : out.res.gemm) stamp(r.at);
  for (auto& r : out.res.stream) stamp(r.at);
  for (auto& r : out.res.peak) stamp(r.at);
  for (auto& r : out.res.copy) stamp(r.at);
  for (auto& r : out.res.devices) stamp(r.at);
  return out;
}

// Rank 0: every rank's outcome, datasheets looked up again, in rank order.
std::vector<RankOutcome> Collect(const Job& job, RankOutcome mine) {
  std::vector<RankOutcome> all;
  if (!job.comm) {
    all.push_back(std::move(mine));
    return all;
  }
  // CBOR rather than JSON text: it keeps NaN and infinity (a GEMM with a NaN
  // output has an infinite error ratio, exactly the row that must arrive) and
  // takes any bytes in host names and messages. Encoding cannot be allowed to
  // throw before the gather, or the other ranks would wait in it.
  std::string mine_bytes;
  try {
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(nlohmann::json(mine));
    mine_bytes.assign(cbor.begin(), cbor.end());
  } catch (const std::exception& e) {
    RankOutcome failed;
    failed.code = static_cast<int>(ExitCode::kRuntime);
    failed.error = fmt::format("its results could not be encoded: {}", e.what());
    const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(nlohmann::json(failed));
    mine_bytes.assign(cbor.begin(), cbor.end());
  }
  const std::vector<std::string> texts = coll::GatherText(*job.comm, mine_bytes);
  if (job.rank != 0) return all;
  ConfigLoader loader;
  std::map<std::string, std::pair<std::optional<GpuDatasheet>, std::string>> specs;  // by device name
  for (size_t r = 0; r < texts.size(); ++r) {
    RankOutcome o;
    try {
      o = nlohmann::json::from_cbor(texts[r]).get<RankOutcome>();
    } catch (const nlohmann::json::exception& e) {
      // A rank built from other sources than rank 0 sends what this one cannot read.
      o.code = static_cast<int>(ExitCode::kRuntime);
      o.error =
          fmt::format("its results could not be read on rank 0 ({}): is every rank the same clusterbench?", e.what());
    }
    auto lookup = [&](Where& at) {
      if (at.gpu < 0) return;
      auto it = specs.find(at.device);
      if (it == specs.end()) {
        std::string note;
        auto spec = FindGpuDatasheet(at.device, loader, &note);
        it = specs.emplace(at.device, std::make_pair(spec, note)).first;
      }
      at.spec = it->second.first;
    };
    for (auto& x : o.res.gemm) lookup(x.at);
    for (auto& x : o.res.stream) lookup(x.at);
    for (auto& x : o.res.peak) lookup(x.at);
    for (auto& x : o.res.copy) lookup(x.at);
    for (auto& x : o.res.devices) lookup(x.at);
    all.push_back(std::move(o));
  }
  return all;
}

// A GPU that two ranks measured at once (two ranks given the same --gpu on
// one host): both figures are shares of one GPU.
void WarnSharedGpus(const Results& res, Logger& log) {
  std::map<std::pair<std::string, std::string>, std::vector<int>> by_gpu;  // (host, bus id) -> ranks
  for (const auto& d : res.devices) by_gpu[{d.at.host, d.at.pci_bus_id}].push_back(d.at.rank);
  for (const auto& [gpu, ranks] : by_gpu) {
    if (ranks.size() < 2) continue;
    log.Warn("GPU {} on {} was measured by ranks {} at the same time: each figure is a share of it", gpu.second,
             gpu.first, fmt::join(ranks, ", "));
  }
}

int Finish(const KernelsOptions& o, const Job& job, std::vector<RankOutcome> all, Hdf5Writer* writer,
           const RunInfo& run, Logger& log) {
  Results res;
  bool interrupted = false, stream_planned = false, any_host = false;
  int error_code = 0;
  std::vector<std::string> errors;
  for (size_t r = 0; r < all.size(); ++r) {
    auto& x = all[r];
    auto move_in = [](auto& to, auto& from) { std::move(from.begin(), from.end(), std::back_inserter(to)); };
    move_in(res.gemm, x.res.gemm);
    move_in(res.stream, x.res.stream);
    move_in(res.peak, x.res.peak);
    move_in(res.copy, x.res.copy);
    move_in(res.devices, x.res.devices);
    interrupted = interrupted || x.interrupted;
    stream_planned = stream_planned || x.stream_planned;
    any_host = any_host || x.device == "host";
    if (x.code != 0) {
      error_code = std::max(error_code, x.code);
      errors.push_back(x.error);
    }
  }
  const bool all_same_error = !errors.empty() && errors.size() == all.size() &&
                              std::all_of(errors.begin(), errors.end(), [&](const auto& e) { return e == errors[0]; });
  if (all_same_error) {
    // A bad command line fails alike everywhere: say it once, as alone.
    std::fprintf(stderr, "clusterbench: error: %s\n", errors[0].c_str());
  } else {
    for (size_t r = 0; r < all.size(); ++r) {
      if (all[r].code == 0) continue;
      std::fprintf(stderr, "clusterbench: error: rank %zu (%s): %s\n", r,
                   job.comm ? job.comm->ranks()[r].host.c_str() : job.host.c_str(), all[r].error.c_str());
    }
  }
  if (job.size > 1) WarnSharedGpus(res, log);
  const int64_t wrong = res.wrong();
  const size_t kept = res.gemm.size() + res.stream.size() + res.peak.size() + res.copy.size();

  if (!all_same_error || kept > 0) {
    if (o.out.format == "json") {
      // Host names and messages are not always UTF-8: replace, never throw.
      std::cout << JsonText(ToJson(res, interrupted)) << "\n";
    } else {
      PrintTables(res, job.size > 1);
    }
    std::cout.flush();  // the tables before the notes about them, when both go to one file
    SayMeasurementQuality(res, o, job.size > 1, log);
  }
  if (writer) {
    // Keep what was measured, whatever failed elsewhere.
    if (!res.gemm.empty()) writer->WriteTable(GemmTable(res.gemm));
    if (!res.stream.empty() || (stream_planned && any_host)) writer->WriteTable(StreamTable(res.stream));
    if (!res.peak.empty()) writer->WriteTable(PeakTable(res.peak));
    if (!res.copy.empty()) writer->WriteTable(CopyTable(res.copy));
    if (!res.devices.empty()) writer->WriteTable(DevicesTable(res.devices));
    RunStatus status = RunStatus::kComplete;
    std::string message;
    if (error_code != 0) {
      status = RunStatus::kFailed;
      message = errors.size() == 1 || all_same_error ? errors[0] : fmt::format("{} ranks failed", errors.size());
    } else if (interrupted) {
      status = RunStatus::kInterrupted;
      message = "interrupted by signal";
    } else if (wrong) {
      message = fmt::format("{} wrong elements", wrong);
    }
    writer->EndRun(status, message);
    log.Info("results: {} (run {})", o.out.output, run.id);
  }
  if (error_code != 0) return error_code;
  if (interrupted) {
    log.Warn("interrupted: kept {} result(s)", kept);
    return static_cast<int>(ExitCode::kInterrupted);
  }
  if (wrong) {
    log.Warn("{} wrong element(s): results are not trustworthy", wrong);
    return static_cast<int>(ExitCode::kCheckFailed);
  }
  return 0;
}

// One rank's whole run (the only one without a launcher). Returns the exit
// code, the same on every rank.
int RunKernelsJob(const KernelsOptions& o, const AppContext& ctx, coll::Communicator* comm) {
  const Job job = MakeJob(comm);
  // Rank 0 prints; the others only warn, saying who they are.
  Logger log = job.rank == 0
                   ? o.out.logger()
                   : Logger(Verbosity::kQuiet, fmt::format("clusterbench: rank {} ({}): ", job.rank, job.host));

  // Only rank 0 writes: its output must be writable before anyone measures.
  std::unique_ptr<Hdf5Writer> writer;
  RunInfo run = MakeRunInfo("kernels", ctx.command_line);
  int code = 0;
  if (job.rank == 0) {
    try {
      CheckOutputWritable(o.out.output);
      if (!o.out.output.empty()) {
        writer = std::make_unique<Hdf5Writer>(o.out.output);
        run.rank_count = job.size;
        if (comm) {
          std::vector<std::string> hosts;
          for (const auto& r : comm->ranks()) {
            if (std::find(hosts.begin(), hosts.end(), r.host) == hosts.end()) hosts.push_back(r.host);
          }
          run.hosts = hosts;
        }
        run.config_yaml = fmt::format(
            "device: {}\nbench: [{}]\ndtypes: [{}]\nsizes: [{}]\nbytes: \"{}\"\ntime_budget: {}\nthreads: {}\n"
            "gpus: \"{}\"\nmodel: \"{}\"\ntp: {}\nalgos: {}\nalgo_search: {}\nranks: {}\n",
            o.device, fmt::join(o.benches, ", "), fmt::join(o.dtypes, ", "), fmt::join(o.sizes, ", "), o.bytes,
            o.time_budget_s, o.threads, o.gpus, o.model, o.tp, o.algos, o.algo_search, job.size);
        writer->BeginRun(run);
      }
    } catch (const Error& e) {
      if (!comm) throw;
      std::fprintf(stderr, "clusterbench: error: %s\n", e.what());
      code = static_cast<int>(e.code());
    }
  }
  if (comm) code = static_cast<int>(comm->Broadcast(code));
  if (code != 0) return code;

  RankOutcome mine = MeasureHere(o, ctx, job, log);
  std::vector<RankOutcome> all = Collect(job, std::move(mine));
  if (job.rank == 0) {
    // Whatever fails here (a datasheet that does not parse, the HDF5 file),
    // rank 0 must still reach the broadcast the other ranks wait in.
    try {
      code = Finish(o, job, std::move(all), writer.get(), run, log);
    } catch (const Error& e) {
      if (!comm) throw;
      std::fprintf(stderr, "clusterbench: error: %s\n", e.what());
      code = static_cast<int>(e.code());
    } catch (const std::exception& e) {
      if (!comm) throw;
      std::fprintf(stderr, "clusterbench: internal error: %s\n", e.what());
      code = static_cast<int>(ExitCode::kRuntime);
    }
  }
  if (comm) code = static_cast<int>(comm->Broadcast(code));
  return code;
}

int RunKernels(const KernelsOptions& o, const AppContext& ctx) {
  const std::string launcher = SeveralProcesses();
  if (launcher.empty()) return RunKernelsJob(o, ctx, nullptr);
  auto it = ctx.backends.factories.find("collectives:mpi");
  if (it == ctx.backends.factories.end()) {
    // Without MPI every process would measure, print and write alone.
    throw UsageError(fmt::format(
        "started as one of several processes ({}) but this build has no MPI: run one process, or build with MPI",
        launcher));
  }
  coll::BackendOptions bo;
  auto backend = std::any_cast<coll::BackendFactory>(it->second)(bo);
  if (backend->world_size() == 1) {
    // The launcher started several processes but MPI made each a world of
    // its own (srun --mpi=none, a launcher from another MPI): each would
    // measure, print and write alone.
    throw UsageError(
        fmt::format("started as one of several processes ({}) but MPI sees a job of 1 process: the "
                    "launcher and MPI do not match (srun: --mpi=pmix; or the mpirun of this MPI)",
                    launcher));
  }
  int code = 0;
  backend->Run([&](coll::Communicator& comm) { code = RunKernelsJob(o, ctx, &comm); });
  return code;
}

}  // namespace

void RegisterKernelsCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("kernels", "measure compute and memory bandwidth of this node");
  auto o = std::make_shared<KernelsOptions>();
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--device", o->device, "cuda, host, or auto (a GPU when there is one)")
      ->check(CLI::IsMember({"auto", "cuda", "host"}))
      ->capture_default_str();
  cmd->add_option("--bench", o->benches, "comma-separated benchmarks: gemm, peak (GPU), stream, copy (GPU), all")
      ->delimiter(',');
  cmd->add_option("--dtype", o->dtypes,
                  "GEMM precisions, comma-separated: fp64, fp32, tf32, bf16, fp16, fp8 (host: fp64, fp32)")
      ->delimiter(',');
  cmd->add_option("--sizes", o->sizes,
                  "GEMM sizes m = n = k, comma-separated (default host 1024,2048,4096; GPU 1024..16384 doubling)")
      ->delimiter(',');
  cmd->add_option("--model", o->model, "GEMMs of one transformer layer of this model (name or YAML path)");
  cmd->add_option("--tp", o->tp, "tensor-parallel degree for --model (default 1)")->check(CLI::PositiveNumber);
  cmd->add_option("--tokens", o->tokens, "tokens per micro-batch for --model (default: --micro-batch x --seq-len)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seq-len", o->seq_len, "sequence length for --model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--micro-batch", o->micro_batch, "micro-batch in sequences for --model")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--bytes", o->bytes,
                  "bytes per array for memory benchmarks and per copy (K/M/G suffixes; GPU default 1G per array, "
                  "256M per copy)");
  cmd->add_option("--gpu", o->gpus,
                  "GPUs to measure: an index, a comma list, or all (default 0; under mpirun one per rank: its "
                  "index among the ranks on its host, modulo the GPUs)");
  cmd->add_option("--algos", o->algos, "cuBLASLt heuristic candidates timed per GEMM")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--algo-search", o->algo_search,
                  "cuBLASLt algorithm search: heuristic (time --algos of the heuristic's candidates) or exhaustive "
                  "(also every configuration of every algorithm cuBLASLt accepts; minutes per shape)")
      ->check(CLI::IsMember({"heuristic", "exhaustive"}))
      ->capture_default_str();
  cmd->add_option("--time-budget", o->time_budget_s, "seconds allowed per measurement (0.001 to 86400)")
      ->check(Bounded(1e-3, 86400))
      ->capture_default_str();
  auto* min_reps =
      cmd->add_option("--min-reps", o->min_reps,
                      "timed calls at least, whatever the spread; given, also whatever the budget (by default a "
                      "call too slow for the budget gets fewer, said in a note)")
          ->check(CLI::PositiveNumber)
          ->capture_default_str();
  cmd->add_option("--target-spread", o->target_spread,
                  "relative interquartile spread at which a measurement stops early, as a fraction (0.005 is 0.5%); "
                  "rows left above it are warned about. 0: every measurement takes its whole --time-budget")
      ->check(Bounded(0, 1))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "host threads (default: all CPUs; at most 4096)")->check(Bounded(0, 4096));
  *action = [o, &ctx, min_reps]() {
    o->min_reps_given = min_reps->count() > 0;
    return RunKernels(*o, ctx);
  };
}

}  // namespace cb
