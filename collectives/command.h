// The `collectives` command's request as its flags give it, and what it
// becomes: the harness's BenchOptions and a Backend. apps/collectives.cc
// registers the flags (CLI11) into CommandOptions; everything that reads them
// is here, so it is tested without the CLI.
#ifndef CLUSTERBENCH_COLLECTIVES_COMMAND_H_
#define CLUSTERBENCH_COLLECTIVES_COMMAND_H_

#include <memory>
#include <string>
#include <vector>

#include "collectives/backend.h"
#include "collectives/harness.h"
#include "core/backends.h"

namespace cb::coll {

// nccl-tests' command line, as this command follows it: NVIDIA/nccl-tests
// src/common.cu (the version with -J/-S/-M/-R/-x/-D/-V; its defaults and
// getopt_long table) and src/util.cu (what it prints). Every flag there either
// means the same here or is refused naming what clusterbench offers instead
// (docs/collectives.md, "nccl-tests flags").
struct CommandOptions {
  std::string backend = "auto";
  std::vector<std::string> ops = {"all_reduce"};
  // nccl-tests' defaults: minBytes = maxBytes = 32M, stepBytes = 1M,
  // stepFactor = 1 (off: sizes step by -i), iters 20, warmup_iters 1,
  // datacheck 1.
  std::string min_bytes = "32M", max_bytes = "32M", step_bytes = "1M";
  double factor = 1;
  int iters = 20, warmup = 1, checks = 1;
  std::string dtype = "float", redop = "sum";
  int gpus = 1, average = 1, root = 0, ranks = 4;
  double timeout = 300;  // -T 0 (nccl-tests: no timeout) means a week
  // nccl-tests flags with the same meaning here.
  int run_cycles = 1, blocking = 0, report_cputime = 0, report_timestamps = 0, iteration_stats = 0, agg_iters = 1;
  std::string json_file;  // -J FILE
  // nccl-tests flags refused unless given their neutral value.
  int nthreads = 1, parallel_init = 0, stream_null = 0, cudagraph = 0, local_register = 0, device_impl = 0,
      memory_report = 0;
  std::string cta_policy, device_cta_count, csv_file, flag_k, flag_u;
  std::string split;
  std::string alltoallv_matrix;  // --alltoallv-matrix FILE
  std::string buffers;           // --buffers: "" (the backend's own), host, device, auto
  std::vector<std::string> injects;
  bool all_pairs = false;
};

// An nccl-tests flag this command does not offer: parsed so that it is refused
// with what to use instead, never ignored and never taken as something else.
// Its value is a number (`number`, refused unless it is `neutral`, what
// nccl-tests does without the flag) or a text (`text`, refused when given).
struct RefusedFlag {
  const char* names;  // as CLI11 registers it: "-t,--nthreads"
  const char* help;   // `collectives --help`
  int CommandOptions::*number;
  std::string CommandOptions::*text;
  int neutral;
  // What the flag does in nccl-tests (src/common.cu), or null for a flag that
  // is not nccl-tests'; then `instead` is the whole refusal.
  const char* meaning;
  const char* instead;  // what to use here
};
// In nccl-tests' getopt order: the order --help lists them and the order they
// are refused.
const std::vector<RefusedFlag>& RefusedNcclTestsFlags();

// -T/--timeout: nccl-tests' -T 0 (its default) means no timeout; here the
// watchdog then waits a week.
double Timeout(const CommandOptions& o);

// The harness's options from the flags. Throws UsageError for a refused
// nccl-tests flag, an unknown op, type or reduction, a bad size, matrix,
// split or injection; `notes` gets the header lines that say where a setting
// came from (the alltoallv matrix, NCCL_TESTS_SPLIT).
BenchOptions ToBench(const CommandOptions& o, std::vector<std::string>* notes);

// The backend --backend names among those built (`backends`), or auto's
// choice; throws UsageError for one not built or a flag it cannot honour.
std::unique_ptr<Backend> MakeBackend(const CommandOptions& o, const Backends& backends);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_COMMAND_H_
