// What a kernels run measured: its encoding for the gather, its tables and
// its JSON (kernels/kernels_results.h).
#include "kernels/kernels_results.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "kernels/result_tables.h"

namespace cb {

// ---------------------------------------- per-rank results as CBOR
// Under mpirun every rank measures its own device and sends its results to
// rank 0 (collectives/gather_text.h). The raw samples stay on the rank: rank 0
// prints and stores summaries only, and a thousand samples per figure times
// thousands of ranks would not fit on it.
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
// Precisions, peak and stream kernels and copy kinds travel by name, as the tables spell them; a
// name this build does not know is a json::exception (a rank built from other
// sources), never a default.
template <typename E, typename Find>
void NamedFromJson(const nlohmann::json& j, E* value, Find find, const char* what, const std::string& names) {
  const auto found = find(j.get<std::string>());
  if (!found) {
    throw nlohmann::json::other_error::create(501, fmt::format("{} {}: not one of {}", what, j.dump(), names), &j);
  }
  *value = *found;
}
void to_json(nlohmann::json& j, GemmDtype d) { j = GemmDtypeName(d); }
void from_json(const nlohmann::json& j, GemmDtype& d) {
  NamedFromJson(j, &d, FindGemmDtype, "dtype", GemmDtypeNames());
}
void to_json(nlohmann::json& j, PeakKernel k) { j = PeakKernelName(k); }
void from_json(const nlohmann::json& j, PeakKernel& k) {
  NamedFromJson(j, &k, FindPeakKernel, "peak kernel", PeakKernelNames());
}
void to_json(nlohmann::json& j, StreamKernel k) { j = StreamKernelName(k); }
void from_json(const nlohmann::json& j, StreamKernel& k) {
  NamedFromJson(j, &k, FindStreamKernel, "stream kernel", StreamKernelNames());
}
void to_json(nlohmann::json& j, KernelsDevice d) { j = NameOf(kKernelsDeviceNames, d); }
void from_json(const nlohmann::json& j, KernelsDevice& d) {
  NamedFromJson(
      j, &d, [](const std::string& n) { return ValueOf(kKernelsDeviceNames, n); }, "device",
      NameList(kKernelsDeviceNames));
}
void to_json(nlohmann::json& j, CopyKind k) { j = CopyKindName(k); }
void from_json(const nlohmann::json& j, CopyKind& k) {
  NamedFromJson(j, &k, FindCopyKind, "copy kind", CopyKindNames());
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

// The datasheet is not sent: rank 0 looks it up again from the device name.
void to_json(nlohmann::json& j, const MeasuredOn& w) {
  j = {{"rank", w.rank},    {"host", w.host}, {"device", w.device},
       {"gpu", w.gpu},      {"uuid", w.uuid}, {"pci_bus_id", w.pci_bus_id},
       {"serial", w.serial}};
}
void from_json(const nlohmann::json& j, MeasuredOn& w) {
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
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(KernelsResults, gemm, stream, peak, copy, devices)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(KernelsOutcome, res, device, stream_planned, interrupted, code, error)

std::string EncodeOutcome(const KernelsOutcome& outcome) {
  const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(nlohmann::json(outcome));
  return std::string(cbor.begin(), cbor.end());
}

KernelsOutcome DecodeOutcome(const std::string& bytes) {
  return nlohmann::json::from_cbor(bytes).get<KernelsOutcome>();
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ------------------------------------------------------------ tables

std::vector<Cell> IdentityCells(const MeasuredOn& at) {
  return {int64_t{at.rank}, at.host, at.device, int64_t{at.gpu}, at.uuid, at.pci_bus_id, at.serial};
}
std::vector<Cell> TimeCells(const Measurement& m) {
  if (m.summary.count == 0) return {kNaN, kNaN, kNaN, kNaN, int64_t{0}, int64_t{0}};
  return {m.summary.median,
          m.summary.min,
          m.summary.max,
          m.iqr_spread,
          static_cast<int64_t>(m.summary.count),
          int64_t{m.budget_limited ? 1 : 0}};
}
void Add(Table& t, std::vector<std::vector<Cell>> parts) {
  std::vector<Cell> row;
  for (auto& p : parts) row.insert(row.end(), p.begin(), p.end());
  t.AddRow(std::move(row));
}

}  // namespace

// ------------------------------------------------------------ spec figures

double GemmPeak(const MeasuredOn& at, GemmDtype dtype) {
  if (!at.spec) return 0;
  double p = at.spec->Peak(PeakKeyForGemm(dtype));
  if (p <= 0 && dtype == GemmDtype::kFp64) p = at.spec->Peak(GemmDtypeName(dtype));
  return p;
}
double ArithmeticPeak(const MeasuredOn& at, const GpuPeakResult& r) {
  if (!at.spec) return 0;
  return at.spec->Peak(GemmDtypeName(r.dtype));  // fma fp32 -> fp32, fma fp64 -> fp64 (vector), mma bf16 -> bf16
}
double MemoryPeak(const MeasuredOn& at) { return at.spec ? at.spec->memory_bandwidth : 0; }
// What a copy's bandwidth is compared with: a peer copy over NVLink with one
// direction of the scale-up bandwidth; a device-to-device copy, which reads
// and writes each byte, with half the HBM bandwidth. Host links: unknown.
double CopyPeak(const MeasuredOn& at, const GpuCopyResult& r) {
  if (!at.spec) return 0;
  if (r.kind == CopyKind::kPeer && r.link == "NVLink") return at.spec->scale_up_bandwidth / 2;
  if (r.kind == CopyKind::kD2d) return at.spec->memory_bandwidth / 2;
  return 0;
}

// ------------------------------------------------------------ tables

Table GemmTable(const std::vector<GemmRow>& rows) {
  Table t = GemmTableSchema();
  for (const auto& g : rows) {
    const auto& r = g.r;
    const double peak = GemmPeak(g.at, r.dtype);
    const bool gpu = g.at.gpu >= 0;
    Add(t, {{std::string("gemm")},
            IdentityCells(g.at),
            {std::string(GemmDtypeName(r.dtype)), r.shape.name, r.shape.m, r.shape.n, r.shape.k, g.threads},
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
    Add(t, {{std::string(StreamKernelName(s.kernel))},
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
    Add(t, {{std::string(PeakKernelName(r.kernel))},
            IdentityCells(p.at),
            {std::string(GemmDtypeName(r.dtype)), r.flops_per_call},
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
        {{std::string(CopyKindName(r.kind))},
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

std::vector<Table> ResultTables(const KernelsResults& res, bool memory_planned) {
  std::vector<Table> tables;
  if (!res.gemm.empty()) tables.push_back(GemmTable(res.gemm));
  if (!res.stream.empty() || memory_planned) tables.push_back(StreamTable(res.stream));
  if (!res.peak.empty()) tables.push_back(PeakTable(res.peak));
  if (!res.copy.empty()) tables.push_back(CopyTable(res.copy));
  if (!res.devices.empty()) tables.push_back(DevicesTable(res.devices));
  return tables;
}

}  // namespace cb
