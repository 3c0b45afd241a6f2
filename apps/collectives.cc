// `clusterbench collectives`: NCCL, MPI and loopback collective benchmarks
// with nccl-tests-compatible numbers, exact checks, injections and a watchdog.
// This file registers the flags; collectives/command.h reads them,
// collectives/run.h runs the ranks and reports (nccl-tests' text and -J JSON in
// collectives/nccl_tests_output.h, JSON and tables in collectives/report.h).
#include <memory>

#include "apps/command.h"
#include "collectives/command.h"
#include "collectives/run.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

// The flags: this command's output flags and its request (nccl-tests' flags
// and clusterbench's own, collectives/command.h).
struct CollOptions {
  OutputOptions out;
  coll::CommandOptions c;
};

int RunCollectives(const CollOptions& o, const AppContext& ctx) {
  coll::Reporting how;
  how.table = o.out.format == "table";
  how.quiet = o.out.quiet;
  how.command_line = ctx.command_line;
  how.output = o.out.output;
  how.open_output = [path = o.out.output]() -> std::unique_ptr<ResultSink> {
    return std::make_unique<Hdf5Writer>(path);
  };
  return coll::RunCommand(o.c, how, ctx.backends);
}

// nccl-tests' own flags, in its order: the sweep, the data, the timing and
// the output (each as nccl-tests means it), and the watchdog.
void AddNcclTestsOptions(CLI::App* cmd, coll::CommandOptions* o) {
  cmd->add_option("-b,--minbytes", o->min_bytes, "smallest size (K/M/G suffixes are binary)")->capture_default_str();
  cmd->add_option("-e,--maxbytes", o->max_bytes, "largest size")->capture_default_str();
  // At most 1024: a larger factor makes no second step in any memory, and the
  // bound keeps size x factor far from the 64-bit limit.
  cmd->add_option("-f,--stepfactor", o->factor, "multiply the size by this each step (1: step by -i instead)")
      ->check(Bounded(1, 1024))
      ->capture_default_str();
  cmd->add_option("-i,--stepbytes", o->step_bytes, "add this many bytes each step (when -f is 1)")
      ->capture_default_str();
  cmd->add_option("-n,--iters", o->iters, "timed iterations per size")->capture_default_str();
  cmd->add_option("-w,--warmup_iters", o->warmup, "untimed iterations first")->capture_default_str();
  cmd->add_option("-c,--check", o->checks, "check passes per size (0 = none: #wrong shows N/A)")->capture_default_str();
  cmd->add_option(
         "-d,--datatype", o->dtype,
         "int8, uint8, int32, uint32, int64, uint64, half, float, double, bfloat16, f8e4m3, f8e5m2, or all (each "
         "in turn)")
      ->capture_default_str();
  cmd->add_option("-o,--redop", o->redop,
                  "reduction: sum, prod, min, max, avg, or all (each in turn), as nccl-tests' -o")
      ->capture_default_str();
  cmd->add_option("-r,--root", o->root,
                  "root rank of broadcast, reduce, gather and scatter (-1: each rank in turn, as nccl-tests)")
      ->capture_default_str();
  cmd->add_option("-g,--ngpus", o->gpus, "GPUs driven by each process (nccl)")->check(CLI::PositiveNumber);
  cmd->add_option("-a,--average", o->average, "time across ranks: 0 rank 0, 1 average, 2 min, 3 max")
      ->capture_default_str();
  cmd->add_option("-N,--run_cycles", o->run_cycles, "run and print the sweep this many times (0: until interrupted)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("-m,--agg_iters", o->agg_iters,
                  "ops per timed iteration, issued as one group (nccl: ncclGroupStart/End, as nccl-tests; mpi and "
                  "loopback: back to back); time = elapsed / (iters x agg_iters)")
      ->capture_default_str();
  cmd->add_option("-z,--blocking", o->blocking, "1: wait for each op and barrier after it, inside the timed loop")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-C,--report_cputime", o->report_cputime,
                  "1: the time column is the time to launch the ops (same as elapsed on mpi and loopback)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-S,--report_timestamps", o->report_timestamps, "1: each row ends with the time of day")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-I,--iteration_stats", o->iteration_stats,
                  "1: time every op of the timed loop on its own: per-iteration min / median / max / p99 / cv "
                  "(costs a clock read per op, hence only when asked; nccl-tests 2.17+ has -I for its per-iteration "
                  "timing too, whose extra text columns are not reproduced here)")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  cmd->add_option("-J,--output_file", o->json_file, "also write nccl-tests' own JSON document to FILE.json")
      ->type_name("FILE.json");
  cmd->add_option("--ranks", o->ranks, "ranks (threads) of the loopback backend (at most 4096)")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("-T,--timeout", o->timeout,
                  "watchdog: abort when a rank does not arrive within this many seconds (at most a week; 0, as in "
                  "nccl-tests: no timeout, i.e. a week)")
      ->check(Bounded(0, 604800))
      ->capture_default_str();
}

// nccl-tests flags not offered (collectives/command.h, RefusedNcclTestsFlags):
// parsed so that each is refused with what to use instead, never ignored and
// never taken as something else.
void AddRefusedNcclTestsFlags(CLI::App* cmd, coll::CommandOptions* o) {
  for (const coll::RefusedFlag& f : coll::RefusedNcclTestsFlags()) {
    if (f.number) {
      cmd->add_option(f.names, o->*f.number, f.help);
    } else {
      cmd->add_option(f.names, o->*f.text, f.help);
    }
  }
}

}  // namespace

void RegisterCollectivesCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "collectives",
      "NCCL/MPI collective and point-to-point benchmarks with nccl-tests' flags, defaults and columns.\n"
      "nccl-tests' flags mean what they mean there (-o is the reduction); the few it has that are not offered are "
      "refused naming what is. Results file: --output FILE.h5. See docs/collectives.md.\n"
      "NCCL under mpirun uses ncclCommInitRankScalable above 128 ranks (CB_NCCL_INIT_ROOTS=R sets the number of "
      "roots); the header says how long communicator creation took and how.");
  auto o = std::make_shared<CollOptions>();
  // -o is nccl-tests' reduction here, so the results file has the long flag only.
  AddOutputOptions(cmd, &o->out, /*with_output_file=*/false);
  cmd->add_option("--output", o->out.output, "append this run to an HDF5 results file (created if missing)")
      ->type_name("FILE.h5");
  cmd->add_option("--backend", o->c.backend,
                  "nccl, mpi, loopback (threads as ranks), or auto (nccl when GPUs answer, else mpi, else loopback)")
      ->check(CLI::IsMember({"auto", "nccl", "mpi", "loopback"}))
      ->capture_default_str();
  cmd->add_option("--op", o->c.ops,
                  "comma-separated: all_reduce, all_gather, reduce_scatter, broadcast, reduce, alltoall, sendrecv, "
                  "gather, scatter, alltoallv, p2p, all (nccl-tests picks the collective by binary; its --op is -o "
                  "here)")
      ->delimiter(',');
  AddNcclTestsOptions(cmd, &o->c);
  AddRefusedNcclTestsFlags(cmd, &o->c);
  cmd->add_option("--split", o->c.split,
                  "concurrent groups: intra (each host), inter (each rail: same local index on every host), MOD:k "
                  "(rank mod k), DIV:k, AND:mask, OR:mask (nccl-tests' NCCL_TESTS_SPLIT operators, which that "
                  "variable also sets); the table shows the slowest group. NCCL splits with ncclCommSplit (its time "
                  "is reported)");
  cmd->add_option("--alltoallv-matrix", o->c.alltoallv_matrix,
                  "alltoallv's traffic matrix, as nccl-tests' alltoallv parameter file: n lines of n comma-separated "
                  "fractions in [0, 1] (line i: the share of its slot rank i sends to each rank); default nccl-tests' "
                  "built-in imbalance")
      ->type_name("FILE");
  cmd->add_option("--buffers", o->c.buffers,
                  "where the benchmarked bytes live: host, device (MPI: GPU memory through a CUDA-aware MPI, a "
                  "usage error where the build, the MPI or the machine cannot), auto (device where every rank can). "
                  "Default: host for mpi and loopback, device for nccl")
      ->check(CLI::IsMember({"host", "device", "auto"}));
  cmd->add_flag("--all-pairs", o->c.all_pairs, "p2p: every pair across hosts (O(N^2)); default samples O(N)");
  cmd->add_option("--inject", o->c.injects,
                  "self-test: corrupt:RANK (wrong input), slow:RANK:FRACTION (late by FRACTION of an op), "
                  "hang:RANK (never joins), stuck:RANK (stops inside the sweep, alive)");
  // As in nccl-tests' getopt loop, a repeated flag takes its last value.
  for (CLI::Option* opt : cmd->get_options()) {
    if (opt->get_name() != "--op" && opt->get_name() != "--inject")
      opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }
  *action = [o, &ctx]() { return RunCollectives(*o, ctx); };
}

}  // namespace cb
