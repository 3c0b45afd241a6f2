// kernels as a job of ranks (noderun/kernels_job.h).
#include "noderun/kernels_job.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>

#include "collectives/backend.h"
#include "collectives/gather_text.h"
#include "core/config.h"
#include "core/error.h"
#include "core/json_text.h"
#include "core/node_info.h"
#include "core/table_export.h"
#include "kernels/gpu_spec.h"
#include "kernels/kernels_report.h"
#include "kernels/kernels_results.h"

namespace cb {

namespace {

// This process's place in the job: alone, or one rank under mpirun/srun.
struct Job : RankPlace {
  coll::Communicator* comm = nullptr;  // null without a launcher
  int size = 1;
};

Job MakeJob(coll::Communicator* comm) {
  Job job;
  job.comm = comm;
  job.host = HostName();
  if (!comm) return job;
  static_cast<RankPlace&>(job) = PlaceOnHost(comm->ranks(), comm->rank());
  job.size = comm->size();
  return job;
}

// Rank 0: every rank's outcome, datasheets looked up again, in rank order.
std::vector<KernelsOutcome> Collect(const Job& job, KernelsOutcome mine) {
  std::vector<KernelsOutcome> all;
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
    mine_bytes = EncodeOutcome(mine);
  } catch (const std::exception& e) {
    KernelsOutcome failed;
    failed.code = static_cast<int>(ExitCode::kRuntime);
    failed.error = fmt::format("its results could not be encoded: {}", e.what());
    mine_bytes = EncodeOutcome(failed);
  }
  const std::vector<std::string> texts = coll::GatherText(*job.comm, mine_bytes);
  if (job.rank != 0) return all;
  ConfigLoader loader;
  std::map<std::string, std::pair<std::optional<GpuDatasheet>, std::string>> specs;  // by device name
  for (size_t r = 0; r < texts.size(); ++r) {
    KernelsOutcome o;
    try {
      o = DecodeOutcome(texts[r]);
    } catch (const nlohmann::json::exception& e) {
      // A rank built from other sources than rank 0 sends what this one cannot read.
      o.code = static_cast<int>(ExitCode::kRuntime);
      o.error =
          fmt::format("its results could not be read on rank 0 ({}): is every rank the same clusterbench?", e.what());
    }
    auto lookup = [&](MeasuredOn& at) {
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

int Finish(const KernelsRunOptions& o, const KernelsOutput& out, const Job& job, std::vector<KernelsOutcome> all,
           ResultSink* writer, const RunInfo& run, Logger& log) {
  KernelsResults res;
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
    any_host = any_host || x.device == KernelsDevice::kHost;
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

  // The status and the tables, once: the terminal, --format json and the file are all read from them.
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
  const std::vector<Table> tables = ResultTables(res, stream_planned && any_host);
  if (!all_same_error || kept > 0) {
    if (out.format == "json") {
      // Host names and messages are not always UTF-8: replace, never throw.
      std::cout << JsonText(ResultsJson(status, message, tables)) << "\n";
    } else {
      PrintTables(tables, job.size > 1, std::cout);
    }
    std::cout.flush();  // the tables before the notes about them, when both go to one file
    SayMeasurementQuality(tables, o, job.size > 1, log);
  }
  if (writer) {
    // Keep what was measured, whatever failed elsewhere.
    for (const Table& t : tables) writer->WriteTable(t);
    writer->EndRun(status, message);
    log.Info("results: {} (run {})", out.path, run.id);
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

// Rank 0's step of a job (opening the results, finishing them): in a job, an
// error is printed here, as main would print it, and becomes the code that
// rank 0 then broadcasts, so that the other ranks, waiting in that broadcast,
// end with it instead of hanging; alone (no communicator), it propagates to main.
template <typename Step>
int OnRankZero(const coll::Communicator* comm, Step&& step) {
  try {
    return step();
  } catch (const Error& e) {
    if (!comm) throw;
    std::fprintf(stderr, "clusterbench: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    if (!comm) throw;
    std::fprintf(stderr, "clusterbench: internal error: %s\n", e.what());
    return static_cast<int>(ExitCode::kRuntime);
  }
}

}  // namespace

RankPlace PlaceOnHost(const std::vector<coll::RankInfo>& ranks, int rank) {
  RankPlace place;
  place.rank = rank;
  place.host = ranks[static_cast<size_t>(rank)].host;
  // Ranks sharing this host, counted from the hosts the backend gathered at
  // init: works under any launcher, whatever variables it sets.
  place.local_rank = coll::LocalRankOf(ranks, rank);
  place.local_size = static_cast<int>(
      std::count_if(ranks.begin(), ranks.end(), [&](const coll::RankInfo& r) { return r.host == place.host; }));
  return place;
}

// One rank's whole run (the only one without a launcher). Returns the exit
// code, the same on every rank.
int RunKernelsJob(const KernelsRunOptions& o, const KernelsOutput& out, const Backends& backends,
                  const std::string& command_line, coll::Communicator* comm) {
  const Job job = MakeJob(comm);
  // Rank 0 prints; the others only warn, saying who they are.
  Logger log = job.rank == 0
                   ? out.log
                   : Logger(Verbosity::kQuiet, fmt::format("clusterbench: rank {} ({}): ", job.rank, job.host));

  // Only rank 0 writes: its output must be writable before anyone measures.
  std::unique_ptr<ResultSink> writer;
  RunInfo run = MakeRunInfo("kernels", command_line);
  int code = 0;
  if (job.rank == 0) {
    code = OnRankZero(comm, [&] {
      if (out.open_results) writer = out.open_results();
      if (writer) {
        run.rank_count = job.size;
        if (comm) run.hosts = coll::HostsOf(comm->ranks(), coll::HostOrder::kFirstRank);
        run.config_yaml = fmt::format(
            "device: {}\nbench: [{}]\ndtypes: [{}]\nsizes: [{}]\nbytes: \"{}\"\ntime_budget: {}\nthreads: {}\n"
            "gpus: \"{}\"\nmodel: \"{}\"\ntp: {}\nalgos: {}\nalgo_search: {}\nranks: {}\n",
            o.device, fmt::join(o.benches, ", "), fmt::join(o.dtypes, ", "), fmt::join(o.sizes, ", "), o.bytes,
            o.time_budget_s, o.threads, o.gpus, o.model, o.tp, o.algos, o.algo_search, job.size);
        writer->BeginRun(run);
      }
      return 0;
    });
  }
  if (comm) code = static_cast<int>(comm->Broadcast(code));
  if (code != 0) return code;

  KernelsOutcome mine = MeasureRank(o, backends, job, log);
  std::vector<KernelsOutcome> all = Collect(job, std::move(mine));
  if (job.rank == 0) {
    // Whatever fails here (a datasheet that does not parse, the HDF5 file),
    // rank 0 must still reach the broadcast the other ranks wait in.
    code = OnRankZero(comm, [&] { return Finish(o, out, job, std::move(all), writer.get(), run, log); });
  }
  if (comm) code = static_cast<int>(comm->Broadcast(code));
  return code;
}

int RunKernelsOnNode(const KernelsRunOptions& o, const KernelsOutput& out, const Backends& backends,
                     const std::string& command_line, const std::string& launcher) {
  if (launcher.empty()) return RunKernelsJob(o, out, backends, command_line, nullptr);
  const coll::BackendFactory* mpi = backends.factories.Find(coll::BackendKey("mpi"));
  if (mpi == nullptr) {
    // Without MPI every process would measure, print and write alone.
    throw UsageError(fmt::format(
        "started as one of several processes ({}) but this build has no MPI: run one process, or build with MPI",
        launcher));
  }
  coll::BackendOptions bo;
  auto backend = (*mpi)(bo);
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
  backend->Run([&](coll::Communicator& comm) { code = RunKernelsJob(o, out, backends, command_line, &comm); });
  return code;
}

}  // namespace cb
