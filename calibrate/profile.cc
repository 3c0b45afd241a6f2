#include "calibrate/profile.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "collectives/result_tables.h"
#include "core/collective_backend.h"
#include "core/collective_op.h"
#include "core/config.h"
#include "core/error.h"
#include "core/gpu_match.h"
#include "core/table.h"
#include "core/units.h"
#include "kernels/memory_kinds.h"
#include "kernels/result_tables.h"
#include "simulator/compute/gpu_perf.h"
#include "store/hdf5_store.h"

namespace cb::calib {
namespace {

// The columns calibrate reads, checked against the writer's own schema
// (kernels/result_tables.h, collectives/result_tables.h) before any row is
// read: a table that lacks one, or holds it with another type, is refused
// naming the file, run, table and column, never read as zero. Only the columns
// read are required, so files written before a column was added still read.
void RequireColumns(const Table& t, const Table& schema, const std::vector<std::string>& names, const std::string& file,
                    const std::string& run) {
  for (const auto& name : names) {
    const int want = schema.ColumnIndex(name);
    if (want < 0)
      throw RuntimeError(fmt::format("calibrate reads column '{}' that {} does not define", name, schema.name()));
    const int have = t.ColumnIndex(name);
    const ColumnType type = schema.columns()[static_cast<size_t>(want)].type;
    if (have < 0) {
      throw IoError(fmt::format("{}: run {}: table {} has no column '{}' ({}): not written by clusterbench's {} table",
                                file, run, t.name(), name, ColumnTypeName(type), schema.name()));
    }
    const ColumnType got = t.columns()[static_cast<size_t>(have)].type;
    if (got != type) {
      throw IoError(fmt::format("{}: run {}: table {} column '{}' is {}, expected {}", file, run, t.name(), name,
                                ColumnTypeName(got), ColumnTypeName(type)));
    }
  }
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string Join(const std::set<std::string>& v) { return Join(std::vector<std::string>(v.begin(), v.end())); }

// The shipped gpu config of the device: the longest `match` string wins and
// a tie matches none (core/gpu_match.h, the rule kernels uses too), so
// "NVIDIA GB200" is GB200, not B200.
void MatchGpu(Profile* p) {
  if (p->device == "host") return;
  std::string note;
  const std::optional<ConfigNode> g = FindGpuDocument(p->device, ConfigLoader(), &note);
  if (!g) return;
  p->gpu = g->at("name").AsString();
  p->sm_count = static_cast<int>(g->GetInt("sm_count", 0));
  p->architecture = g->GetString("architecture", "");
}

struct CollKey {
  std::string op;
  CollectiveTier tier;
  int64_t ranks, per_node;
  std::optional<CollectiveBackend> backend;  // nullopt: the run did not say
  // By the tier's name (inter before intra), as profiles have always listed their entries.
  bool operator<(const CollKey& o) const {
    const std::string_view t = CollectiveTierName(tier), ot = CollectiveTierName(o.tier);
    return std::tie(op, t, ranks, per_node, backend) < std::tie(o.op, ot, o.ranks, o.per_node, o.backend);
  }
};

// "backend: nccl" from a collectives run's effective configuration: the
// top-level key at the start of a line (the command writes it first), parsed;
// nullopt when the run does not say. A name that is no backend is exit 4
// naming the file, the run, the key and the valid names.
std::optional<CollectiveBackend> BackendOf(const RunInfo& run, const std::string& file) {
  const std::string& y = run.config_yaml;
  size_t at = y.rfind("backend:", 0) == 0 ? 0 : y.find("\nbackend:");
  if (at == std::string::npos) return std::nullopt;
  if (y[at] == '\n') ++at;
  auto end = run.config_yaml.find('\n', at);
  std::string v = run.config_yaml.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  v.erase(0, v.find_first_not_of(' '));
  v.erase(v.find_last_not_of(" \r") + 1);
  if (v.empty()) return std::nullopt;
  const std::optional<CollectiveBackend> b = FindCollectiveBackend(v);
  if (!b) {
    throw ConfigError(fmt::format("{}: run {}: key 'backend' of its configuration: '{}' is not one of {}", file, run.id,
                                  v, CollectiveBackendNames()));
  }
  return b;
}

std::string BackendText(const std::optional<CollectiveBackend>& b) { return b ? CollectiveBackendName(*b) : ""; }

struct CollPoint {
  double x, t, size;
};

std::string Shape(double m, double n, double k) { return fmt::format("{:g}x{:g}x{:g}", m, n, k); }

sim::GpuPerf PerfOf(const Profile& p) {
  sim::GpuSpec spec;
  spec.name = p.device;
  spec.architecture = p.architecture;
  spec.sm_count = p.sm_count;
  spec.memory_bandwidth = p.memory ? p.memory->bandwidth : 1e18;  // no memory bound when unmeasured
  sim::Efficiencies e = sim::DefaultEfficiencies(p.architecture);
  e.memory = 1;
  for (const auto& g : p.gemm) e.gemm_fits[g.dtype] = {g.model.rate, g.model.k_half, g.model.overhead_s};
  return sim::GpuPerf(spec, e);
}

}  // namespace

int64_t Profile::LargestRanks() const {
  int64_t n = 1;
  for (const auto& c : collectives) n = std::max(n, c.ranks);
  return n;
}

double BusFactor(const std::string& op, int64_t n) {
  const auto kind = FindCollectiveOp(op);
  return kind ? CollectiveBusFactor(*kind, static_cast<double>(n)) : 1;  // unknown: busbw = algbw
}

namespace {

// What the results files hold for calibration, before any fit.
struct GemmRow {
  std::string device, dtype;
  GemmPoint point;
};
struct Measured {
  std::vector<GemmRow> gemm;
  std::map<std::string, std::vector<MemoryEntry>> memory;  // device -> copy/triad bandwidths
  std::map<CollKey, std::vector<CollPoint>> collectives;
  std::set<std::string> devices;
};

// A kernels run's GEMM and memory rows (verified ones only); returns the
// devices it measured.
std::set<std::string> ReadKernelsRun(Hdf5Reader& reader, const RunInfo& run, const std::string& file,
                                     const std::vector<std::string>& tables, Measured* m,
                                     std::vector<std::string>* warnings) {
  auto has = [&](const std::string& t) { return std::find(tables.begin(), tables.end(), t) != tables.end(); };
  std::set<std::string> devices;
  if (has("gemm")) {
    Table t = reader.ReadTable(run.id, "gemm");
    RequireColumns(t, GemmTableSchema(), {"wrong", "dtype", "device", "time_s", "m", "n", "k"}, file, run.id);
    for (size_t i = 0; i < t.size(); ++i) {
      if (t.Int(i, "wrong") > 0) {
        warnings->push_back(
            fmt::format("{}: run {}: a {} GEMM with wrong elements is not used", file, run.id, t.Str(i, "dtype")));
        continue;
      }
      const double time = t.Float(i, "time_s");
      if (!(time > 0)) continue;  // skipped (NaN) or not measured
      GemmRow g{t.Str(i, "device"), t.Str(i, "dtype"), {}};
      g.point.m = static_cast<double>(t.Int(i, "m"));
      g.point.n = static_cast<double>(t.Int(i, "n"));
      g.point.k = static_cast<double>(t.Int(i, "k"));
      g.point.time_s = time;
      if (g.point.m <= 0 || g.point.n <= 0 || g.point.k <= 0) continue;
      devices.insert(g.device);
      m->gemm.push_back(std::move(g));
    }
  }
  if (has("memory")) {
    Table t = reader.ReadTable(run.id, "memory");
    RequireColumns(t, StreamTableSchema(), {"benchmark", "wrong", "bandwidth", "device", "bytes"}, file, run.id);
    for (size_t i = 0; i < t.size(); ++i) {
      const std::string& kernel = t.Str(i, "benchmark");
      const std::optional<StreamKernel> k = FindStreamKernel(kernel);
      if (!k) {
        throw ConfigError(fmt::format("{}: run {}: table memory column 'benchmark': '{}' is not one of {}", file,
                                      run.id, kernel, StreamKernelNames()));
      }
      if (t.Int(i, "wrong") > 0 || (*k != StreamKernel::kCopy && *k != StreamKernel::kTriad)) continue;
      const double bw = t.Float(i, "bandwidth");
      if (!(bw > 0)) continue;
      const std::string& dev = t.Str(i, "device");
      m->memory[dev].push_back({bw, kernel, static_cast<double>(t.Int(i, "bytes"))});
      devices.insert(dev);
    }
  }
  return devices;
}

// A collectives run's out-of-place, verified rows, keyed by op, tier, ranks
// and backend; false (with a warning) when the run cannot calibrate.
bool ReadCollectivesRun(Hdf5Reader& reader, const RunInfo& run, const std::string& file,
                        const std::vector<std::string>& tables, Measured* m, std::vector<std::string>* warnings) {
  auto has = [&](const std::string& t) { return std::find(tables.begin(), tables.end(), t) != tables.end(); };
  if (!has("collectives")) return false;
  if (has("collectives_groups")) {
    warnings->push_back(fmt::format(
        "{}: run {} ran split groups (--split); calibration uses whole-job runs, so it is not used", file, run.id));
    return false;
  }
  const int64_t hosts = std::max<int64_t>(1, static_cast<int64_t>(run.hosts.size()));
  const int64_t ranks = run.rank_count;
  if (ranks < 2) {
    warnings->push_back(fmt::format("{}: run {} has one rank; a collective needs two to calibrate", file, run.id));
    return false;
  }
  Table t = reader.ReadTable(run.id, "collectives");
  RequireColumns(t, coll::CollectivesTableSchema(), {"in_place", "wrong", "size", "algbw", "busbw", "time", "op"}, file,
                 run.id);
  // The median call over ranks and iterations, where the run has it (a run
  // written before the column, or imported without per-rank times, has the
  // nccl-tests time only): one preempted iteration moves a mean by its whole delay.
  const bool per_rank = t.ColumnIndex("rank_time_median") >= 0;
  if (per_rank) RequireColumns(t, coll::CollectivesTableSchema(), {"rank_time_median"}, file, run.id);
  const CollKey base{"", hosts == 1 ? CollectiveTier::kIntra : CollectiveTier::kInter, ranks,
                     std::max<int64_t>(1, ranks / hosts), BackendOf(run, file)};
  for (size_t i = 0; i < t.size(); ++i) {
    if (t.Int(i, "in_place") != 0 || t.Int(i, "wrong") > 0) continue;
    const double size = static_cast<double>(t.Int(i, "size"));
    const double algbw = t.Float(i, "algbw"), busbw = t.Float(i, "busbw");
    double time = per_rank ? t.Float(i, "rank_time_median") : 0;
    if (!(time > 0)) time = t.Float(i, "time");
    if (size <= 0 || !(time > 0) || !(algbw > 0)) continue;
    CollKey key = base;
    key.op = t.Str(i, "op");
    m->collectives[key].push_back({size * busbw / algbw, time, size});
  }
  return true;
}

// Every complete kernels and collectives run of the files, with where each came from.
Measured ReadMeasurements(const std::vector<std::string>& files, Profile* p, std::vector<std::string>* warnings) {
  Measured m;
  for (const auto& file : files) {
    Hdf5Reader reader(file);
    bool used = false;
    for (const RunInfo& run : reader.Runs()) {
      if (run.kind != "kernels" && run.kind != "collectives") continue;
      if (run.status != RunStatus::kComplete) {
        warnings->push_back(fmt::format("{}: run {} is {}; not used", file, run.id, RunStatusName(run.status)));
        continue;
      }
      const auto tables = reader.TableNames(run.id);
      Source src{file, run.id, run.kind, Join(run.hosts), "", run.start_time};
      bool run_used = false;
      if (run.kind == "kernels") {
        const std::set<std::string> devices = ReadKernelsRun(reader, run, file, tables, &m, warnings);
        if (!devices.empty()) {
          src.devices = Join(devices);
          m.devices.insert(devices.begin(), devices.end());
          run_used = true;
        }
      } else if (ReadCollectivesRun(reader, run, file, tables, &m, warnings)) {
        src.devices = "(collectives)";
        run_used = true;
      }
      if (run_used) p->sources.push_back(src);
      used |= run_used;
    }
    if (!used) warnings->push_back(fmt::format("{}: no complete kernels or collectives run with measurements", file));
  }
  return m;
}

// One device per profile: the one asked for, or the only one measured.
std::string ChooseDevice(const std::set<std::string>& devices, const CalibrateOptions& options) {
  if (!options.device.empty()) {
    if (!devices.count(options.device) && !devices.empty()) {
      throw ConfigError(fmt::format("--device '{}': the files measured {}", options.device, Join(devices)));
    }
    return options.device;
  }
  if (devices.size() > 1) {
    throw ConfigError(fmt::format(
        "the files mix measurements of different devices ({}); say which one to calibrate with --device NAME",
        Join(devices)));
  }
  return devices.empty() ? "host" : *devices.begin();
}

// One GEMM model per dtype of the profile's device (wave quantisation from
// its datasheet's SM count), and its best measured copy/triad bandwidth.
void FitCompute(const Measured& m, Profile* p) {
  sim::GpuSpec spec;
  spec.architecture = p->architecture;
  spec.sm_count = p->sm_count;
  const sim::GpuPerf waves(spec, sim::DefaultEfficiencies(p->architecture));
  std::map<std::string, std::vector<GemmPoint>> by_dtype;
  for (const auto& g : m.gemm) {
    if (g.device != p->device) continue;
    GemmPoint pt = g.point;
    pt.wave_efficiency = waves.WaveEfficiency(pt.m, pt.n);
    by_dtype[g.dtype].push_back(pt);
  }
  for (auto& [dtype, pts] : by_dtype) {
    GemmEntry e;
    e.dtype = dtype;
    e.model = FitGemm(pts);
    e.points = static_cast<int64_t>(pts.size());
    auto by_flops = [](const GemmPoint& a, const GemmPoint& b) { return a.m * a.n * a.k < b.m * b.n * b.k; };
    auto [lo, hi] = std::minmax_element(pts.begin(), pts.end(), by_flops);
    e.shapes = lo == hi ? Shape(lo->m, lo->n, lo->k) : Shape(lo->m, lo->n, lo->k) + " .. " + Shape(hi->m, hi->n, hi->k);
    p->gemm.push_back(e);
  }
  if (auto it = m.memory.find(p->device); it != m.memory.end()) {
    p->memory = *std::max_element(it->second.begin(), it->second.end(),
                                  [](const auto& a, const auto& b) { return a.bandwidth < b.bandwidth; });
  }
}

// A piecewise alpha-beta curve per collective, op, tier and rank count,
// from the backend that measured what the profile describes.
void FitCollectives(const Measured& m, Profile* p, std::vector<std::string>* warnings) {
  for (const auto& [key, pts] : m.collectives) {
    // A GPU's NVLink and NICs are measured by NCCL on device buffers; MPI or
    // loopback runs move host memory and say nothing about them (and NCCL
    // says nothing about a host profile).
    const bool gpu = p->device != "host";
    if (gpu != (key.backend == CollectiveBackend::kNccl)) {
      warnings->push_back(fmt::format("{} ({} ranks, {}) measured with the {} backend: not used for a {} profile",
                                      key.op, key.ranks, CollectiveTierName(key.tier),
                                      key.backend ? BackendText(key.backend) : "unknown", gpu ? "GPU" : "host"));
      continue;
    }
    std::vector<double> x, t;
    double lo = pts.front().size, hi = lo;
    for (const auto& c : pts) {
      x.push_back(c.x);
      t.push_back(c.t);
      lo = std::min(lo, c.size);
      hi = std::max(hi, c.size);
    }
    CollectiveEntry e;
    e.op = key.op;
    e.tier = key.tier;
    e.ranks = key.ranks;
    e.ranks_per_node = key.per_node;
    e.backend = BackendText(key.backend);
    e.curve = FitPiecewise(x, t);
    e.fit.alpha_s = e.curve.segments.front().fit.alpha_s;
    e.fit.bandwidth = e.curve.segments.back().fit.bandwidth;
    e.fit.error = e.curve.error;
    e.points = static_cast<int64_t>(pts.size());
    e.min_bytes = lo;
    e.max_bytes = hi;
    std::map<double, std::vector<double>> by_size;
    for (const auto& c : pts) by_size[c.size].push_back(c.t);
    for (auto& [size, times] : by_size) {
      std::sort(times.begin(), times.end());
      const size_t n = times.size();
      e.measured.emplace_back(size, n % 2 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2);
    }
    if (e.fit.bandwidth <= 0 && e.curve.segments.size() == 1) {
      warnings->push_back(fmt::format("{} ({} ranks, {}): time does not grow with size up to {}; no bandwidth fitted",
                                      e.op, e.ranks, CollectiveTierName(e.tier), FormatBytes(hi)));
      continue;
    }
    p->collectives.push_back(e);
  }
}

}  // namespace

Profile Calibrate(const std::vector<std::string>& files, const CalibrateOptions& options,
                  std::vector<std::string>* warnings) {
  Profile p;
  p.created = NowIso8601();
  const Measured m = ReadMeasurements(files, &p, warnings);
  p.device = ChooseDevice(m.devices, options);
  MatchGpu(&p);
  FitCompute(m, &p);
  FitCollectives(m, &p, warnings);
  if (p.gemm.empty() && !p.memory && p.collectives.empty()) {
    // Say why: the warnings are all the user would otherwise miss (an NCCL
    // run, e.g. imported from nccl-tests, is for a GPU profile: --device).
    std::string why;
    for (const auto& w : *warnings) why += "\n  " + w;
    const bool nccl_skipped = std::any_of(warnings->begin(), warnings->end(), [](const std::string& w) {
      return w.find("with the nccl backend: not used for a host profile") != std::string::npos;
    });
    throw ConfigError(fmt::format("{}: no usable measurements (GEMM, memory or collectives){}{}", Join(files),
                                  nccl_skipped ? "; NCCL measured GPUs: name the GPU with --device NAME (the profile's "
                                                 "device, e.g. --device 'NVIDIA H100 80GB HBM3')"
                                               : "",
                                  why));
  }
  return p;
}

std::string ProfileYaml(const Profile& p) {
  std::string y;
  y += "# Calibration profile written by `clusterbench calibrate`: performance models fitted to\n";
  y += "# measurements (docs/calibration.md). Values in SI units: s, B/s, FLOP/s, B.\n";
  y += fmt::format("device: \"{}\"\n", p.device);
  if (!p.gpu.empty()) y += fmt::format("gpu: \"{}\"\narchitecture: {}\n", p.gpu, p.architecture);
  y += fmt::format("sm_count: {}\ncreated: \"{}\"\n", p.sm_count, p.created);
  y += "sources:\n";
  for (const auto& s : p.sources) {
    y += fmt::format("  - {{file: \"{}\", run: \"{}\", kind: {}, hosts: \"{}\", devices: \"{}\", date: \"{}\"}}\n",
                     s.file, s.run, s.kind, s.hosts, s.devices, s.date);
  }
  if (!p.gemm.empty()) y += "gemm:\n";
  for (const auto& g : p.gemm) {
    y += fmt::format(
        "  - {{dtype: {}, rate: {}, k_half: {}, overhead: {}, points: {}, shapes: \"{}\", error: "
        "{{median: {:.4f}, max: {:.4f}}}}}  # {}\n",
        g.dtype, FormatRoundTrip(g.model.rate), FormatRoundTrip(g.model.k_half), FormatRoundTrip(g.model.overhead_s),
        g.points, g.shapes, g.model.error.median, g.model.error.max,
        FormatQuantity(g.model.rate, Dimension::kFlopRate));
  }
  if (p.memory) {
    y += fmt::format("memory: {{bandwidth: {}, kernel: {}, bytes: {:.0f}}}  # {}\n",
                     FormatRoundTrip(p.memory->bandwidth), p.memory->kernel, p.memory->bytes,
                     FormatQuantity(p.memory->bandwidth, Dimension::kBandwidth));
  }
  if (!p.collectives.empty()) y += "collectives:\n";
  for (const auto& c : p.collectives) {
    y += fmt::format(
        "  - op: {}\n    backend: {}\n    tier: {}\n    ranks: {}\n    ranks_per_node: {}\n    latency: {}  # {}\n"
        "    bandwidth: {}  # {} bus bandwidth\n    min_bytes: {:.0f}\n    max_bytes: {:.0f}\n    points: {}\n"
        "    error: {{median: {:.4f}, max: {:.4f}}}\n",
        c.op, c.backend.empty() ? "unknown" : c.backend, CollectiveTierName(c.tier), c.ranks, c.ranks_per_node,
        FormatRoundTrip(c.fit.alpha_s), FormatQuantity(c.fit.alpha_s, Dimension::kTime),
        FormatRoundTrip(c.fit.bandwidth), FormatQuantity(c.fit.bandwidth, Dimension::kBandwidth), c.min_bytes,
        c.max_bytes, c.points, c.fit.error.median, c.fit.error.max);
    y += "    segments:\n";
    for (const auto& s : c.curve.segments) {
      y += fmt::format("      - {{min_x: {:.0f}, max_x: {:.0f}, latency: {}, bandwidth: {}}}\n", s.min_x, s.max_x,
                       FormatRoundTrip(s.fit.alpha_s), FormatRoundTrip(s.fit.bandwidth));
    }
    if (!c.measured.empty()) y += "    measured:\n";
    for (const auto& [bytes, t] : c.measured) {
      y += fmt::format("      - {{bytes: {:.0f}, time: {}}}\n", bytes, FormatRoundTrip(t));
    }
  }
  return y;
}

Profile LoadProfile(const std::string& path) {
  ConfigLoader loader;
  ConfigNode n = loader.Load("profile", path);
  Profile p;
  p.device = n.at("device").AsString();
  p.gpu = n.GetString("gpu", "");
  p.sm_count = static_cast<int>(n.GetInt("sm_count", 0));
  p.architecture = n.GetString("architecture", "");
  p.created = n.GetString("created", "");
  if (const ConfigNode* s = n.Find("sources")) {
    for (const ConfigNode& i : s->items()) {
      p.sources.push_back({i.GetString("file", ""), i.GetString("run", ""), i.GetString("kind", ""),
                           i.GetString("hosts", ""), i.GetString("devices", ""), i.GetString("date", "")});
    }
  }
  if (const ConfigNode* g = n.Find("gemm")) {
    for (const ConfigNode& i : g->items()) {
      GemmEntry e;
      e.dtype = i.at("dtype").AsString();
      try {
        sim::ParsePrecision(e.dtype);
      } catch (const ConfigError&) {
        throw ConfigError(fmt::format("{}: key '{}': unknown precision '{}' (fp64, fp32, tf32, bf16, fp16, fp8, nvfp4)",
                                      i.at("dtype").where(), i.at("dtype").path(), e.dtype));
      }
      e.model.rate = i.at("rate").AsDouble();
      e.model.k_half = i.GetDouble("k_half", 0);
      e.model.overhead_s = i.GetDouble("overhead", 0);
      e.model.error = {i.GetDouble("error.median", 0), i.GetDouble("error.max", 0)};
      e.points = i.GetInt("points", 0);
      e.shapes = i.GetString("shapes", "");
      p.gemm.push_back(e);
    }
  }
  if (n.Find("memory.bandwidth")) {
    p.memory = MemoryEntry{n.at("memory.bandwidth").AsDouble(), n.GetString("memory.kernel", ""),
                           n.GetDouble("memory.bytes", 0)};
  }
  if (const ConfigNode* c = n.Find("collectives")) {
    for (const ConfigNode& i : c->items()) {
      CollectiveEntry e;
      e.op = i.at("op").AsString();
      const ConfigNode& tier = i.at("tier");
      const std::optional<CollectiveTier> t = ValueOf(kCollectiveTierNames, tier.AsString());
      if (!t) {
        throw ConfigError(fmt::format("{}: key '{}': '{}' is not one of {}", tier.where(), tier.path(), tier.AsString(),
                                      NameList(kCollectiveTierNames)));
      }
      e.tier = *t;
      e.backend = i.GetString("backend", "");
      e.ranks = i.at("ranks").AsInt();
      e.ranks_per_node = i.GetInt("ranks_per_node", 1);
      e.fit.alpha_s = i.GetDouble("latency", 0);
      e.fit.bandwidth = i.at("bandwidth").AsDouble();
      e.fit.error = {i.GetDouble("error.median", 0), i.GetDouble("error.max", 0)};
      e.points = i.GetInt("points", 0);
      e.min_bytes = i.GetDouble("min_bytes", 0);
      e.max_bytes = i.GetDouble("max_bytes", 0);
      if (const ConfigNode* segs = i.Find("segments")) {
        for (const ConfigNode& g : segs->items()) {
          Segment s;
          s.min_x = g.GetDouble("min_x", 0);
          s.max_x = g.GetDouble("max_x", 0);
          s.fit.alpha_s = g.GetDouble("latency", 0);
          s.fit.bandwidth = g.GetDouble("bandwidth", 0);
          e.curve.segments.push_back(s);
        }
      }
      if (e.curve.segments.empty()) e.curve.segments.push_back({0, e.max_bytes, e.fit});
      if (const ConfigNode* ms = i.Find("measured")) {
        for (const ConfigNode& g : ms->items())
          e.measured.emplace_back(g.at("bytes").AsDouble(), g.at("time").AsDouble());
        std::sort(e.measured.begin(), e.measured.end());
      }
      e.curve.error = e.fit.error;
      p.collectives.push_back(e);
    }
  }
  return p;
}

CollectivePrediction PredictCollective(const Profile& p, const std::string& op, int64_t ranks, double bytes) {
  if (ranks < 2) throw UsageError(fmt::format("--ranks {}: a collective needs at least 2 ranks", ranks));
  std::vector<const CollectiveEntry*> have;
  for (const auto& c : p.collectives) {
    if (c.op == op) have.push_back(&c);
  }
  if (have.empty()) {
    std::set<std::string> ops;
    for (const auto& c : p.collectives) ops.insert(c.op);
    throw ConfigError(fmt::format("the profile has no model of {} (it has: {})", op,
                                  ops.empty() ? std::string("no collectives") : Join(ops)));
  }
  CollectivePrediction out;
  // Inside one node when the measured node held that many ranks; across nodes otherwise.
  const CollectiveEntry* use = nullptr;
  for (const CollectiveEntry* c : have) {
    const bool fits = c->tier == CollectiveTier::kIntra ? ranks <= c->ranks : ranks > c->ranks_per_node;
    if (!fits) continue;
    if (!use || std::abs(c->ranks - ranks) < std::abs(use->ranks - ranks)) use = c;
  }
  if (!use) {
    // Nothing measured at this scale: the largest run, extrapolated.
    use = *std::max_element(have.begin(), have.end(), [](auto* a, auto* b) { return a->ranks < b->ranks; });
    if (use->tier == CollectiveTier::kIntra) {
      out.notes.push_back(fmt::format(
          "extrapolates: {} was measured inside one node ({} ranks) only; {} ranks may span nodes, whose links "
          "were not measured",
          op, use->ranks, ranks));
    }
  }
  if (ranks > use->ranks) {
    out.notes.push_back(fmt::format("extrapolates: measured on {} ranks, predicting {}", use->ranks, ranks));
  }
  if (bytes > use->max_bytes * 1.0001 || bytes < use->min_bytes * 0.9999) {
    out.notes.push_back(fmt::format("extrapolates: sizes measured {} .. {}, predicting {}", FormatBytes(use->min_bytes),
                                    FormatBytes(use->max_bytes), FormatBytes(bytes)));
  }
  out.tier = use->tier;
  out.measured_ranks = use->ranks;
  // At the measured scale and inside the measured sizes, the measurements
  // themselves: log-log interpolation between the two nearest sizes (exact at
  // a measured size). The model only answers beyond them (issue 18: a profile
  // must predict the points it was fitted on).
  const auto& m = use->measured;
  if (ranks == use->ranks && !m.empty() && bytes >= m.front().first * 0.9999 && bytes <= m.back().first * 1.0001) {
    auto hi = std::lower_bound(m.begin(), m.end(), std::make_pair(bytes * 0.9999, 0.0));
    if (hi == m.end()) hi = std::prev(m.end());
    auto lo = hi == m.begin() || std::abs(hi->first - bytes) <= 1e-4 * bytes ? hi : std::prev(hi);
    if (lo == hi) {
      out.time_s = hi->second;
    } else {
      const double f = std::log(bytes / lo->first) / std::log(hi->first / lo->first);
      out.time_s = std::exp(std::log(lo->second) + f * (std::log(hi->second) - std::log(lo->second)));
    }
    out.how = "interpolated";
    out.algbw = bytes / out.time_s;
    out.busbw = out.algbw * BusFactor(op, ranks);
    return out;
  }
  out.how = "model";
  const double steps = op == "sendrecv" ? 1.0 : static_cast<double>(ranks - 1) / static_cast<double>(use->ranks - 1);
  // The size regime (protocol) is that of the same message at the measured scale.
  const Segment& seg = use->curve.For(bytes * BusFactor(op, use->ranks));
  out.time_s = seg.fit.alpha_s * steps + (seg.fit.bandwidth > 0 ? bytes * BusFactor(op, ranks) / seg.fit.bandwidth : 0);
  out.algbw = bytes / out.time_s;
  out.busbw = out.algbw * BusFactor(op, ranks);
  return out;
}

double PredictGemm(const Profile& p, const std::string& dtype, double m, double n, double k) {
  if (std::none_of(p.gemm.begin(), p.gemm.end(), [&](const GemmEntry& g) { return g.dtype == dtype; })) {
    std::vector<std::string> have;
    for (const auto& g : p.gemm) have.push_back(g.dtype);
    throw ConfigError(fmt::format("the profile has no {} GEMM model (it has: {})", dtype,
                                  have.empty() ? std::string("none") : Join(have)));
  }
  return PerfOf(p).GemmTime(m, n, k, sim::ParsePrecision(dtype));
}

void ApplyProfile(const Profile& p, const std::string& path, sim::Scenario* s) {
  if (p.device == "host") {
    throw ConfigError(
        fmt::format("{}: the profile was measured on the host CPU, not on a GPU; it cannot calibrate '{}' "
                    "on {} (calibrate from GPU measurements)",
                    path, s->model.name, s->gpu.name));
  }
  if (!p.gpu.empty() && p.gpu != s->gpu.name) {
    throw ConfigError(
        fmt::format("{}: the profile is for {} ('{}'); the scenario's GPU is {}", path, p.gpu, p.device, s->gpu.name));
  }
  auto& notes = s->calibration_notes;
  if (p.gpu.empty()) {
    notes.push_back(fmt::format("calibration: device '{}' matches no gpu config; assuming it is the scenario's {}",
                                p.device, s->gpu.name));
  }
  sim::Efficiencies e = sim::EfficienciesFor(s->gpu);
  std::vector<std::string> replaced;
  for (const auto& g : p.gemm) {
    e.gemm_fits[g.dtype] = {g.model.rate, g.model.k_half, g.model.overhead_s};
    replaced.push_back(g.dtype + " GEMM");
  }
  if (p.memory && s->gpu.memory_bandwidth > 0) {
    e.memory = p.memory->bandwidth / s->gpu.memory_bandwidth;
    replaced.push_back("memory bandwidth");
  }
  // All-reduce fits set the tiers (the collective the step leans on most).
  const CollectiveEntry* intra = nullptr;
  const CollectiveEntry* inter = nullptr;
  const CollectiveEntry* intra_a2a = nullptr;  // all-to-all inside a node: the expert layers' own rate
  for (const auto& c : p.collectives) {
    if (c.op == "alltoall" && c.tier == CollectiveTier::kIntra && (!intra_a2a || c.ranks > intra_a2a->ranks)) {
      intra_a2a = &c;
    }
    if (c.op != "all_reduce") continue;
    auto*& slot = c.tier == CollectiveTier::kIntra ? intra : inter;
    if (!slot || c.ranks > slot->ranks) slot = &c;
  }
  if (intra && s->cluster.up_bandwidth > 0) {
    // All-to-all keeps its measured ratio to the ring (docs/simulator-model.md, "Default efficiencies")
    // unless the profile measured it too (below).
    if (e.scale_up_alltoall > 0 && e.scale_up > 0) {
      e.scale_up_alltoall *= intra->fit.bandwidth / s->cluster.up_bandwidth / e.scale_up;
    }
    e.scale_up = intra->fit.bandwidth / s->cluster.up_bandwidth;
    s->cluster.up_latency = intra->fit.alpha_s / (2.0 * static_cast<double>(intra->ranks - 1));
    replaced.push_back("scale-up bandwidth and latency");
  }
  if (intra_a2a && s->cluster.up_bandwidth > 0) {
    e.scale_up_alltoall = intra_a2a->fit.bandwidth / s->cluster.up_bandwidth;
    replaced.push_back("scale-up all-to-all bandwidth");
  }
  if (inter && s->cluster.nic_bandwidth > 0) {
    // Bus bandwidth of a group with k ranks per node: min(B_up, k·B_nic).
    const double share = s->cluster.nic_bandwidth * static_cast<double>(s->cluster.nics_per_node) /
                         static_cast<double>(s->cluster.gpus_per_node);
    e.scale_out = inter->fit.bandwidth / static_cast<double>(inter->ranks_per_node) / share;
    // The ring's latency over n ranks on D nodes: 2(D−1) hops over the NICs
    // and 2(n−D) inside nodes (network/collective_model.h), so
    //   α = 2(D−1)·out + 2(n−D)·up  →  out = (α − 2(n−D)·up) / (2(D−1)).
    const double n = static_cast<double>(inter->ranks);
    const double nodes = std::max(2.0, n / static_cast<double>(inter->ranks_per_node));
    s->cluster.out_latency =
        std::max(0.0, inter->fit.alpha_s - 2 * (n - nodes) * s->cluster.up_latency) / (2 * (nodes - 1));
    replaced.push_back("scale-out bandwidth and latency");
  }
  s->efficiencies = e;
  notes.push_back(fmt::format("calibration {}: {} measured on {}", path,
                              replaced.empty() ? std::string("nothing replaced") : Join(replaced) + " replaced",
                              p.device));
  const int64_t gpus = s->par.tp * s->par.pp * s->par.dp * s->par.cp;
  if (!p.collectives.empty() && gpus > p.LargestRanks()) {
    notes.push_back(fmt::format("calibration extrapolates: collectives measured on up to {} ranks, predicting {} GPUs",
                                p.LargestRanks(), gpus));
  }
  if (!inter)
    notes.push_back("calibration: no measurement across nodes; scale-out figures stay the cluster's defaults");
}

}  // namespace cb::calib
