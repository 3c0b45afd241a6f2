// `clusterbench kernels`: compute and memory benchmarks of this node.
// The host backend (OpenBLAS GEMM, threaded STREAM) runs everywhere; the GPU
// benchmarks come from the "kernels:cuda" factory when the CUDA backend is
// built (kernels/gpu_bench.h), so this file compiles the same without it.
// What each benchmark measures and how: docs/kernels.md. This file holds the
// flags; one rank's run is kernels/kernels_run.h, the job of ranks and its
// output noderun/kernels_job.h.
#include <memory>

#include "apps/command.h"
#include "kernels/kernels_run.h"
#include "noderun/kernels_job.h"
#include "store/hdf5_store.h"

namespace cb {

namespace {

struct KernelsOptions : KernelsRunOptions {
  OutputOptions out;
};

int RunKernels(const KernelsOptions& o, const AppContext& ctx) {
  KernelsOutput out;
  out.format = o.out.format;
  out.path = o.out.output;
  out.log = o.out.logger();
  // Only rank 0 writes: its output must be writable before anyone measures.
  out.open_results = [path = o.out.output]() -> std::unique_ptr<ResultSink> {
    CheckOutputWritable(path);
    if (path.empty()) return nullptr;
    return std::make_unique<Hdf5Writer>(path);
  };
  return RunKernelsOnNode(o, out, ctx.backends, ctx.command_line, SeveralProcesses());
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
