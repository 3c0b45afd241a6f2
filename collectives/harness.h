// The collectives benchmark harness: sizes, warm-up, timing, checks,
// injections, watchdog and result gathering. Backends supply only the
// operations (Communicator); this file owns measurement, as nccl-tests'
// common.cu does, without its globals.
//
// Timing (as nccl-tests): `iters` back-to-back ops (groups of agg_iters ops
// with -m) between two clock reads on each rank, time = elapsed / (iters x
// agg_iters); across ranks the table shows the average
// (-a 1, default), rank 0's (-a 0), the minimum (-a 2) or the maximum (-a 3).
// Synchronous backends then run a second, shorter pass (up to 50 ops) timing
// every op on its own: the per-rank distribution (min, median, max, p99 over
// ranks and iterations) and the ranks everybody waited for (the "late" ranks:
// their own time inside the op is the shortest). Keeping the clock reads out
// of the main loop keeps its figure equal to a bare loop of the call.
#ifndef CLUSTERBENCH_COLLECTIVES_HARNESS_H_
#define CLUSTERBENCH_COLLECTIVES_HARNESS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "collectives/communicator.h"
#include "core/stats.h"

namespace cb::coll {

struct BenchReport;

struct BenchOptions {
  std::vector<OpKind> ops;
  bool p2p = false;
  bool p2p_all_pairs = false;  // O(N^2) across nodes: only when asked
  size_t min_bytes = 8, max_bytes = 8 << 20;
  double factor = 2;     // -f: multiply the size by this each step
  size_t increment = 0;  // -i: or add this (nccl-tests' stepbytes), when > 0
  int iters = 20, warmup = 5, checks = 1;
  // nccl-tests' -m (agg_iters): each timed iteration issues this many ops as
  // one group (Communicator::StartGroup); time = elapsed / (iters x agg_iters).
  int agg_iters = 1;
  DataType dtype = DataType::kFloat;
  RedOp redop = RedOp::kSum;
  // -o all: every reduction in turn (nccl-tests' order, AllRedOps()); each
  // reducing op runs its sweep once per reduction. Empty: {redop} alone.
  // With more than one, ValidateOptions drops those the backend cannot do
  // (saying so in its note) instead of refusing the run.
  std::vector<RedOp> redops;
  // -d all: every type in turn (nccl-tests' order), the same way; empty:
  // {dtype} alone.
  std::vector<DataType> dtypes;
  int root = 0;
  // alltoallv's traffic matrix (--alltoallv-matrix: ReadAllToAllvMatrix), n x
  // n for the job's n ranks; null: nccl-tests' built-in imbalance.
  std::shared_ptr<const std::vector<double>> alltoallv_matrix;
  // Its file, for messages and the run's configuration.
  std::string alltoallv_matrix_path;
  int average = 1;  // -a: 0 rank 0, 1 average, 2 min, 3 max
  double timeout_s = 300;
  bool out_of_place = true, in_place = true;
  // nccl-tests' -N: run every sweep this many times, each cycle printed (0:
  // until interrupted).
  int cycles = 1;
  // nccl-tests' -z: wait for each op to complete and barrier after it, inside
  // the timed loop (the figure then includes the barrier, as in nccl-tests).
  bool blocking = false;
  // nccl-tests' -C: the time column is the time to launch the ops (before
  // waiting for their completion); the same as the elapsed time on
  // synchronous backends (MPI, loopback).
  bool report_cputime = false;
  // -I: time every op of the timed loop on its own (min, max, p99 and
  // coefficient of variation over all iterations) instead of the shorter side
  // pass; costs one clock read per op in the timed loop, so only when asked.
  bool iteration_stats = false;
  // Concurrent groups (--split): "" (the whole job), "intra" (ranks of one
  // host), "inter" (ranks with the same index on their hosts: one rail) or
  // "MOD:k" (rank mod k). Every group runs the same sweep at the same time.
  std::string split;
  // Self-test injections.
  int corrupt_rank = -1;
  int slow_rank = -1;
  double slow_fraction = 0;
  int hang_rank = -1;
  // Stops its main thread inside the sweep (after the first size's
  // agreement) while its process lives: alive, but never progressing.
  int stuck_rank = -1;
  // Rank 0, from the progress watchdog's thread when a rank stops
  // responding or progressing, or from the main thread when a rank misses an
  // arrival check: keep the results so far (the job then ends with exit 6).
  std::function<void(const BenchReport& so_far, const std::string& why)> on_stall;
  // Rank 0, from a keeper thread when SIGINT/SIGTERM arrived and the ranks
  // did not reach their next agreement within kInterruptGrace: keep the
  // results so far (status interrupted). Under mpirun a signal to the launcher
  // becomes SIGTERM to every rank, then SIGKILL about a second later: a long
  // measurement would otherwise lose everything.
  // `vanished`: empty, or which ranks did not say they were signalled too
  // (killed outright: the launcher is ending the job; the run is failed).
  std::function<void(const BenchReport& so_far, const std::string& vanished)> on_interrupt;
};

struct Timing {
  double time_s = 0;            // the figure the table prints
  double algbw = 0, busbw = 0;  // bytes/s
  int64_t wrong = 0;
  std::vector<int> wrong_ranks;
  Summary rank_time;  // per rank and iteration (or per rank when asynchronous)
  std::vector<int> late_ranks;
  // Ranks that stopped for a while during this measurement and came back
  // (the progress watchdog missed their beats): the figure includes their
  // stop and is not the fabric's.
  std::vector<int> stalled_ranks;
  // Per-iteration statistics over every rank-iteration (the side pass, or the
  // timed loop with -I): mean and coefficient of variation (stddev / mean).
  double iter_mean = 0, iter_cv = 0;
};

struct SizeResult {
  OpKind op = OpKind::kAllReduce;
  size_t size = 0, count = 0;
  DataType dtype = DataType::kFloat;
  RedOp redop = RedOp::kSum;
  int root = -1;
  Timing out_of_place, in_place;
  bool has_out_of_place = false, has_in_place = false;
  bool checked = true;  // false with -c 0: `wrong` counts nothing (nccl-tests prints N/A)
  int cycle = 0;        // -N: which run of the sweep (0-based)
};

struct PerRankRow {
  OpKind op;
  size_t size;
  bool in_place;
  DataType dtype;  // the element type (several with -d all)
  RedOp redop;     // the reduction (several with -o all)
  int cycle;       // -N: which run of the sweep
  int rank;
  double time_s;  // this rank's elapsed / iters
  int64_t wrong;
};

struct GroupRow {  // one group's figures for one op, size and placement (--split)
  OpKind op;
  size_t size;
  bool in_place;
  int group;  // the color: host index, rail index or rank mod k
  int members;
  int first_rank;  // the group's lowest job rank
  double time_s, algbw, busbw;
  int64_t wrong;
};

struct P2pResult {
  int src = 0, dst = 0;
  std::string kind;      // ring, intra, inter
  double bandwidth = 0;  // bytes/s, one direction, max size
  double latency_s = 0;  // half round trip of 8 bytes
  bool flagged = false;  // far below the median of its kind
};

struct BenchReport {
  std::vector<SizeResult> results;
  std::vector<PerRankRow> per_rank;  // the whole job, or the first group with --split
  std::vector<GroupRow> groups;      // --split: every group
  int group_count = 0;
  double group_init_seconds = 0;  // --split: the slowest group's communicator creation (every rank)
  std::string group_init_method;  // --split: how the groups were created (Communicator::init_method)
  std::vector<P2pResult> p2p;
  int64_t total_wrong = 0;
  bool interrupted = false;     // SIGINT/SIGTERM: the sweep stopped early on every rank
  std::string watch_note;       // why progress is not watched (empty when it is, or needs no watching)
  bool interrupt_kept = false;  // on_interrupt already wrote the results so far (do not write them again)
  double avg_busbw = 0;         // nccl-tests' "Avg bus bandwidth": every row, in and out of place
};

// Called on rank 0 after each size, for streaming output.
using ProgressFn = std::function<void(const SizeResult&)>;

// Validates a split mode: k for "MOD:k", 0 for intra, inter, "DIV:k",
// "AND:m" and "OR:m" (nccl-tests' NCCL_TESTS_SPLIT operators: color = rank / k,
// rank & m, rank | m; m in decimal, 0x hex or 0b binary); throws UsageError for
// anything else.
int ParseSplitModulus(const std::string& split);
// nccl-tests' NCCL_TESTS_SPLIT_MASK (hex AND mask, taking precedence) or
// NCCL_TESTS_SPLIT ("AND m", "& m", "OR m", "| m", "MOD k", "% k", "DIV k",
// "/ k") as a --split mode ("" when both are empty). nccl-tests gives color 0
// to a value it cannot read; this throws UsageError naming the variable.
std::string SplitFromNcclTestsEnv(const std::string& split_mask, const std::string& split);
// The color of `rank` for a split mode (see BenchOptions::split); throws
// UsageError for an unknown mode.
int SplitColor(const std::string& split, const std::vector<RankInfo>& ranks, int rank);

// Sizes the run visits: min, min·f, ... <= max (or min + k·increment).
std::vector<size_t> SizeSweep(const BenchOptions& o);

// Validates options against the communicator (same decision on every rank):
// throws UsageError for sizes out of order, ops the backend cannot do, a root
// outside the job. Caps max_bytes to the backend's memory (returns a note).
std::string ValidateOptions(BenchOptions* o, const Communicator& comm);

// Runs the benchmark on this rank; the report is complete on rank 0 only.
// With o.split the job is split into groups that run concurrently: the table
// shows, per size, the slowest group (max time, min bandwidth); every group's
// figures are in report.groups.
// A rank that does not arrive within timeout_s makes rank 0 print the missing
// ranks (host, device) and Abort(6).
BenchReport RunBenchmark(Communicator& comm, const BenchOptions& o, const ProgressFn& progress);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_HARNESS_H_
