// One rank's kernels run (kernels/kernels_run.h).
#include "kernels/kernels_run.h"

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>

#include "core/config.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/units.h"
#include "kernels/host_gemm.h"
#include "kernels/host_stream.h"
#include "kernels/model_shapes.h"
#include "kernels/progress.h"

namespace cb {

// ------------------------------------------------------------ options

KernelsPlan ParseBenches(const std::vector<std::string>& benches, bool gpu) {
  KernelsPlan p;
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

std::vector<GemmDtype> ParseDtypes(const std::vector<std::string>& given, bool gpu) {
  if (given.empty()) return gpu ? GpuGemmDtypes() : HostGemmDtypes();
  std::vector<GemmDtype> out;
  for (const auto& d : given) {
    const std::optional<GemmDtype> dtype = FindGemmDtype(d);
    if (!dtype) throw UsageError(fmt::format("--dtype {}: unknown precision (known: {})", d, GemmDtypeNames()));
    if (!gpu && !HostRunsGemm(*dtype)) {
      throw UsageError(fmt::format("--dtype {}: the host backend runs fp64 and fp32", d));
    }
    out.push_back(*dtype);
  }
  return out;
}

std::vector<GemmShape> ParseShapes(const KernelsRunOptions& o, bool gpu, Logger& log) {
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

GemmSearch ParseAlgoSearch(const std::string& text) {
  const std::optional<GemmSearch> s = FindGemmSearch(text);
  if (!s) throw UsageError(fmt::format("--algo-search {}: unknown (known: {})", text, GemmSearchNames()));
  return *s;
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

namespace {

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

void RunHost(const KernelsRunOptions& o, const KernelsPlan& plan, const std::vector<GemmDtype>& dtypes,
             const std::vector<GemmShape>& shapes, int64_t bytes, const MeasureOptions& mo, Logger& log,
             KernelsResults* res) {
  // STREAM is one step of four kernels, a budget each.
  StepProgress progress(plan.gemm ? dtypes : std::vector<GemmDtype>{}, plan.gemm ? shapes : std::vector<GemmShape>{},
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
      res->stream.push_back({MeasuredOn{}, r.kernel, r.array_bytes, r.bytes_moved, int64_t{r.threads}, r.measurement,
                             r.bandwidth_Bps, r.wrong});
    }
    const std::string line = progress.TailDone("STREAM", SecondsSince(t0));
    if (show && !Interrupted()) log.Info("{}", line);
  }
}

void RunGpu(GpuBench& gpu, const std::vector<int>& gpus, const KernelsPlan& plan, const std::vector<GemmDtype>& dtypes,
            const std::vector<GemmShape>& shapes, std::optional<int64_t> bytes, const KernelsRunOptions& o,
            const MeasureOptions& mo, Logger& log, KernelsResults* res) {
  ConfigLoader loader;
  std::map<int, MeasuredOn> where;
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
  go.search = ParseAlgoSearch(o.algo_search);
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
    StepProgress progress(plan.gemm ? dtypes : std::vector<GemmDtype>{}, plan.gemm ? shapes : std::vector<GemmShape>{},
                          (plan.peak ? 1 : 0) + (plan.stream ? 1 : 0), 4 * mo.time_budget_s, mo.time_budget_s);
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
            log.Warn("GPU {} {} {} {}x{}x{}: skipped: {}", g, GemmDtypeName(dt), s.name, s.m, s.n, s.k, row.r.skipped);
          } else {
            log.Debug("GPU {} {} {} {}x{}x{}: {} (algorithm {} of {} tried)", g, GemmDtypeName(dt), s.name, s.m, s.n,
                      s.k, FormatQuantity(row.r.flop_rate, Dimension::kFlopRate), row.r.best_algo, row.r.algos_tried);
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

}  // namespace

// Measures this rank's device. Errors become the outcome's code and message:
// every rank must reach the gather, or the others would wait there forever.
KernelsOutcome MeasureRank(const KernelsRunOptions& o, const Backends& backends, const RankPlace& place, Logger& log) {
  KernelsOutcome out;
  try {
    // Which device: a GPU through the CUDA backend's factory, or the host.
    std::unique_ptr<GpuBench> gpu;
    int gpu_count = 0;
    std::string why;
    const GpuBenchFactory* cuda = backends.factories.Find(kCudaKernelsFactory);
    const bool have_cuda = cuda != nullptr;
    // The flag's name, parsed once here (CLI11 admits only these names).
    const std::optional<KernelsDevice> asked = ValueOf(kKernelsDeviceNames, o.device);
    if (!asked) throw UsageError(fmt::format("--device {}: not one of {}", o.device, NameList(kKernelsDeviceNames)));
    KernelsDevice device = *asked;
    if (device != KernelsDevice::kHost) {
      if (have_cuda) {
        gpu = (*cuda)();
        gpu_count = gpu->DeviceCount(&why);
      } else {
        why = "this build has no CUDA backend";
      }
      if (device == KernelsDevice::kCuda && gpu_count == 0) {
        throw UsageError(
            fmt::format("--device cuda: no GPU on {} ({}); use --device host or --device auto", place.host, why));
      }
      if (device == KernelsDevice::kAuto) {
        device = gpu_count > 0 ? KernelsDevice::kCuda : KernelsDevice::kHost;
        if (gpu_count == 0) log.Info("--device auto: no GPU ({}); running on the host", why);
      }
    }
    out.device = device;
    const bool on_gpu = device == KernelsDevice::kCuda;
    const KernelsPlan plan = ParseBenches(o.benches, on_gpu);
    out.stream_planned = plan.stream;
    const std::vector<GemmDtype> dtypes = ParseDtypes(o.dtypes, on_gpu);
    const std::vector<GemmShape> shapes = plan.gemm ? ParseShapes(o, on_gpu, log) : std::vector<GemmShape>{};
    const std::optional<int64_t> bytes = ParseBytes(o.bytes);
    // One GPU per rank by default: the rank's place on its host, modulo the
    // GPUs it sees (so 8 ranks on an 8-GPU node take one each).
    std::string gpus_text = o.gpus;
    if (gpus_text.empty()) gpus_text = std::to_string(gpu_count > 0 ? place.local_rank % gpu_count : 0);
    const std::vector<int> gpus = on_gpu ? ParseGpus(gpus_text, gpu_count) : std::vector<int>{};

    MeasureOptions mo;
    mo.time_budget_s = o.time_budget_s;
    mo.min_reps = o.min_reps;
    mo.target_spread = o.target_spread;
    mo.min_reps_over_budget = o.min_reps_given;
    if (on_gpu) {
      RunGpu(*gpu, gpus, plan, dtypes, shapes, bytes, o, mo, log, &out.res);
    } else {
      KernelsRunOptions mine = o;
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
        } else if (place.local_size > 1) {
          mine.threads = static_cast<int>(std::max(1L, online / place.local_size));
        }
        if (mine.threads > 0) {
          log.Debug("{} rank(s) on {}, {} of {} CPUs allowed: {} thread(s)", place.local_size, place.host, allowed,
                    online, mine.threads);
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
  auto stamp = [&](MeasuredOn& at) {
    at.rank = place.rank;
    at.host = place.host;
  };
  for (auto& r : out.res.gemm) stamp(r.at);
  for (auto& r : out.res.stream) stamp(r.at);
  for (auto& r : out.res.peak) stamp(r.at);
  for (auto& r : out.res.copy) stamp(r.at);
  for (auto& r : out.res.devices) stamp(r.at);
  return out;
}

}  // namespace cb
