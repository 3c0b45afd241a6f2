// `clusterbench kernels`: compute and memory benchmarks of this node.
// Host STREAM runs everywhere; CUDA benchmarks attach with the CUDA backend.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/table.h"
#include "core/units.h"
#include "kernels/host_stream.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct KernelsOptions {
  OutputOptions out;
  std::string device = "auto";
  std::vector<std::string> benches = {"all"};
  std::string bytes;
  double time_budget_s = 2.0;
  int min_reps = 5;
  int threads = 0;
};

Table StreamTable(const std::vector<StreamResult>& results, const std::string& device) {
  Table t("memory", "memory bandwidth, STREAM counting (copy/scale 2 arrays, add/triad 3)",
          {{"benchmark", ColumnType::kString, "", "copy, scale, add or triad"},
           {"device", ColumnType::kString, "", "host or the GPU's name"},
           {"dtype", ColumnType::kString, "", "element type"},
           {"array_bytes", ColumnType::kInt64, "B", "size of each array"},
           {"bytes", ColumnType::kInt64, "B", "bytes moved per call (STREAM counting)"},
           {"threads", ColumnType::kInt64, "1", "host threads"},
           {"time_s", ColumnType::kFloat64, "s", "median time per call"},
           {"time_min_s", ColumnType::kFloat64, "s", "fastest call"},
           {"time_max_s", ColumnType::kFloat64, "s", "slowest call"},
           {"spread", ColumnType::kFloat64, "1", "interquartile range / median of the call times"},
           {"samples", ColumnType::kInt64, "1", "timed calls"},
           {"bandwidth", ColumnType::kFloat64, "B/s", "bytes / median time"},
           {"wrong", ColumnType::kInt64, "1", "elements that failed the exact check"}});
  for (const auto& r : results) {
    const auto& s = r.measurement.summary;
    t.AddRow({r.kernel, device, std::string("float64"), r.array_bytes, r.bytes_moved, int64_t{r.threads}, s.median,
              s.min, s.max, r.measurement.iqr_spread, static_cast<int64_t>(s.count), r.bandwidth_Bps, r.wrong});
  }
  return t;
}

int RunKernels(const KernelsOptions& o, const AppContext& ctx) {
  Logger log = o.out.logger();
  CheckOutputWritable(o.out.output);
  std::string device = o.device;
  bool has_cuda =
      std::find(ctx.backends.enabled.begin(), ctx.backends.enabled.end(), "cuda") != ctx.backends.enabled.end();
  if (device == "auto") device = "host";  // CUDA kernels are not built yet: see issue "Kernels"
  if (device == "cuda") {
    throw UsageError(has_cuda ? "--device cuda: the CUDA kernels are not implemented yet; use --device host"
                              : "--device cuda: this build has no CUDA backend; use --device host");
  }
  bool want_stream = false;
  for (const auto& b : o.benches) {
    if (b == "all" || b == "stream") {
      want_stream = true;
    } else {
      throw UsageError(fmt::format("--bench {}: not available on the host (available: stream, all)", b));
    }
  }
  int64_t bytes = DefaultStreamArrayBytes();
  if (!o.bytes.empty()) {
    std::string why;
    auto v = ParseSize(o.bytes, &why);
    if (!v) throw UsageError(fmt::format("--bytes: {}", why));
    if (*v < 1024) throw UsageError(fmt::format("--bytes {}: must be at least 1K", o.bytes));
    bytes = static_cast<int64_t>(*v);
  }

  std::unique_ptr<Hdf5Writer> writer;
  RunInfo run = MakeRunInfo("kernels", ctx.command_line);
  if (!o.out.output.empty()) {
    writer = std::make_unique<Hdf5Writer>(o.out.output);
    run.config_yaml = fmt::format("device: {}\nbench: stream\nbytes: {}\ntime_budget: {}\nthreads: {}\n", device, bytes,
                                  o.time_budget_s, o.threads);
    writer->BeginRun(run);
  }
  MeasureOptions mo;
  mo.time_budget_s = o.time_budget_s;
  mo.min_reps = o.min_reps;
  std::vector<StreamResult> results;
  if (want_stream) {
    log.Info("host STREAM: {} per array, {} thread(s), up to {:g} s per kernel",
             FormatBytes(static_cast<double>(bytes)),
             o.threads > 0 ? o.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), o.time_budget_s);
    results = RunHostStream(bytes, o.threads, mo);
  }
  Table table = StreamTable(results, "host");
  int64_t wrong = 0;
  for (const auto& r : results) wrong += r.wrong;
  bool interrupted = Interrupted();

  if (o.out.format == "json") {
    nlohmann::json j = {{"results", nlohmann::json::array()}};
    for (const auto& r : results) {
      j["results"].push_back({{"benchmark", "stream_" + r.kernel},
                              {"device", "host"},
                              {"dtype", "float64"},
                              {"bytes", r.bytes_moved},
                              {"time_s", r.measurement.summary.median},
                              {"gbps", r.bandwidth_Bps / 1e9},
                              {"pct_of_peak", nullptr},
                              {"verified", r.wrong == 0}});
    }
    if (interrupted) j["status"] = "interrupted";
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("{:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>12} {:>7}\n", "kernel", "bytes/call", "median",
                             "min", "max", "spread", "bandwidth", "wrong");
    for (const auto& r : results) {
      const auto& s = r.measurement.summary;
      std::cout << fmt::format("{:<8} {:>12} {:>10} {:>10} {:>10} {:>7.2f}% {:>12} {:>7}\n", r.kernel,
                               FormatBytes(static_cast<double>(r.bytes_moved)),
                               FormatQuantity(s.median, Dimension::kTime), FormatQuantity(s.min, Dimension::kTime),
                               FormatQuantity(s.max, Dimension::kTime), 100 * r.measurement.iqr_spread,
                               FormatQuantity(r.bandwidth_Bps, Dimension::kBandwidth), r.wrong);
    }
  }
  if (writer) {
    writer->WriteTable(table);
    RunStatus status = interrupted ? RunStatus::kInterrupted : RunStatus::kComplete;
    writer->EndRun(status,
                   interrupted ? "interrupted by signal" : (wrong ? fmt::format("{} wrong elements", wrong) : ""));
    log.Info("results: {} (run {})", o.out.output, run.id);
  }
  if (interrupted) {
    log.Warn("interrupted: kept {} result(s)", results.size());
    return static_cast<int>(ExitCode::kInterrupted);
  }
  if (wrong) {
    log.Warn("{} wrong element(s): results are not trustworthy", wrong);
    return static_cast<int>(ExitCode::kCheckFailed);
  }
  return 0;
}

}  // namespace

void RegisterKernelsCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("kernels", "measure compute and memory bandwidth of this node");
  auto o = std::make_shared<KernelsOptions>();
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--device", o->device, "cuda, host, or auto (a GPU when there is one)")
      ->check(CLI::IsMember({"auto", "cuda", "host"}))
      ->capture_default_str();
  cmd->add_option("--bench", o->benches, "comma-separated benchmarks: stream (host); all")->delimiter(',');
  cmd->add_option("--bytes", o->bytes, "bytes per array for memory benchmarks (K/M/G suffixes)");
  cmd->add_option("--time-budget", o->time_budget_s, "seconds allowed per measurement")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--min-reps", o->min_reps, "timed calls at least, whatever the spread or budget")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "host threads (default: all CPUs)")->check(CLI::NonNegativeNumber);
  *action = [o, &ctx]() { return RunKernels(*o, ctx); };
}

}  // namespace cb
