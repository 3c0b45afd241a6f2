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
#include "kernels/host_gemm.h"
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
  std::vector<std::string> dtypes;
  std::vector<std::string> sizes;
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
  bool want_stream = false, want_gemm = false;
  for (const auto& b : o.benches) {
    if (b == "all") {
      want_stream = want_gemm = true;
    } else if (b == "stream") {
      want_stream = true;
    } else if (b == "gemm") {
      want_gemm = true;
    } else {
      throw UsageError(fmt::format("--bench {}: not available on the host (available: gemm, stream, all)", b));
    }
  }
  std::vector<std::string> dtypes = o.dtypes.empty() ? std::vector<std::string>{"fp64", "fp32"} : o.dtypes;
  for (const auto& d : dtypes) {
    if (d != "fp64" && d != "fp32") throw UsageError(fmt::format("--dtype {}: the host backend runs fp64 and fp32", d));
  }
  std::vector<int64_t> gemm_sizes;
  for (const auto& text : o.sizes.empty() ? std::vector<std::string>{"1024", "2048", "4096"} : o.sizes) {
    std::string why;
    auto v = ParseSize(text, &why);
    // m·k must fit a BLAS int: n <= 46340 (46340² < 2^31).
    if (!v || *v < 1 || *v > 46340) throw UsageError(fmt::format("--sizes {}: expected a matrix size 1..46340", text));
    gemm_sizes.push_back(static_cast<int64_t>(*v));
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
    run.config_yaml = fmt::format("device: {}\nbench: [gemm, stream]\nbytes: {}\ntime_budget: {}\nthreads: {}\n",
                                  device, bytes, o.time_budget_s, o.threads);
    writer->BeginRun(run);
  }
  MeasureOptions mo;
  mo.time_budget_s = o.time_budget_s;
  mo.min_reps = o.min_reps;
  std::vector<GemmResult> gemms;
  if (want_gemm) {
    log.Info("host GEMM through {}", BlasInfo());
    for (const auto& d : dtypes) {
      if (Interrupted()) break;
      for (int64_t n : gemm_sizes) {
        if (Interrupted()) break;
        GemmResult g = RunHostGemm(d, n, n, n, mo);
        if (g.measurement.samples_s.empty()) break;
        gemms.push_back(g);
      }
    }
  }
  std::vector<StreamResult> results;
  if (want_stream && !Interrupted()) {
    log.Info("host STREAM: {} per array, {} thread(s), up to {:g} s per kernel",
             FormatBytes(static_cast<double>(bytes)),
             o.threads > 0 ? o.threads : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)), o.time_budget_s);
    results = RunHostStream(bytes, o.threads, mo);
  }
  Table table = StreamTable(results, "host");
  int64_t wrong = 0;
  for (const auto& r : results) wrong += r.wrong;
  for (const auto& g : gemms) wrong += g.wrong;
  Table gemm_table("gemm", "GEMM C = A·B, FLOPs = 2mnk",
                   {{"benchmark", ColumnType::kString, "", "gemm"},
                    {"device", ColumnType::kString, "", "host or the GPU's name"},
                    {"dtype", ColumnType::kString, "", "fp64, fp32, ..."},
                    {"m", ColumnType::kInt64, "1", ""},
                    {"n", ColumnType::kInt64, "1", ""},
                    {"k", ColumnType::kInt64, "1", ""},
                    {"threads", ColumnType::kInt64, "1", "BLAS threads"},
                    {"time_s", ColumnType::kFloat64, "s", "median time per GEMM"},
                    {"time_min_s", ColumnType::kFloat64, "s", "fastest"},
                    {"time_max_s", ColumnType::kFloat64, "s", "slowest"},
                    {"spread", ColumnType::kFloat64, "1", "interquartile range / median"},
                    {"samples", ColumnType::kInt64, "1", "timed calls"},
                    {"flop_rate", ColumnType::kFloat64, "FLOP/s", "2mnk / median time"},
                    {"checked", ColumnType::kInt64, "1", "sampled elements compared with the reference"},
                    {"wrong", ColumnType::kInt64, "1", "samples beyond the error bound"},
                    {"max_error_ratio", ColumnType::kFloat64, "1", "max error / bound (< 1 passes)"}});
  for (const auto& g : gemms) {
    const auto& m = g.measurement.summary;
    gemm_table.AddRow({std::string("gemm"), std::string("host"), g.dtype, g.m, g.n, g.k, int64_t{g.threads}, m.median,
                       m.min, m.max, g.measurement.iqr_spread, static_cast<int64_t>(m.count), g.flop_rate, g.checked,
                       g.wrong, g.max_error_ratio});
  }
  bool interrupted = Interrupted();

  if (o.out.format == "json") {
    nlohmann::json j = {{"results", nlohmann::json::array()}};
    for (const auto& g : gemms) {
      j["results"].push_back({{"benchmark", "gemm"},
                              {"device", "host"},
                              {"dtype", g.dtype},
                              {"m", g.m},
                              {"n", g.n},
                              {"k", g.k},
                              {"time_s", g.measurement.summary.median},
                              {"tflops", g.flop_rate / 1e12},
                              {"pct_of_peak", nullptr},
                              {"verified", g.wrong == 0}});
    }
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
    if (!gemms.empty()) {
      std::cout << fmt::format("{:<6} {:>6} {:>6} {:>6} {:>10} {:>10} {:>8} {:>14} {:>9}\n", "gemm", "m", "n", "k",
                               "median", "min", "spread", "rate", "verified");
      for (const auto& g : gemms) {
        const auto& m = g.measurement.summary;
        std::cout << fmt::format("{:<6} {:>6} {:>6} {:>6} {:>10} {:>10} {:>7.2f}% {:>14} {:>9}\n", g.dtype, g.m, g.n,
                                 g.k, FormatQuantity(m.median, Dimension::kTime),
                                 FormatQuantity(m.min, Dimension::kTime), 100 * g.measurement.iqr_spread,
                                 FormatQuantity(g.flop_rate, Dimension::kFlopRate), g.wrong ? "NO" : "yes");
      }
      std::cout << "\n";
    }
    if (want_stream)
      std::cout << fmt::format("{:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>12} {:>7}\n", "kernel", "bytes/call",
                               "median", "min", "max", "spread", "bandwidth", "wrong");
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
    if (!gemms.empty()) writer->WriteTable(gemm_table);
    if (!results.empty() || want_stream) writer->WriteTable(table);
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
  cmd->add_option("--bench", o->benches, "comma-separated benchmarks: gemm, stream (host); all")->delimiter(',');
  cmd->add_option("--dtype", o->dtypes, "GEMM precisions, comma-separated (host: fp64, fp32)")->delimiter(',');
  cmd->add_option("--sizes", o->sizes, "GEMM sizes m = n = k, comma-separated (default 1024,2048,4096)")
      ->delimiter(',');
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
