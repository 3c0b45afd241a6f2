// `clusterbench validate`: runs an acceptance suite on every rank of a job and
// judges each device, rank and node (docs/acceptance.md). Exit codes follow
// monitoring plugins: 0 OK, 1 WARN, 2 CRITICAL, 3 UNKNOWN (nothing could be
// checked, or validate itself could not run: bad suite, bad flag, unwritable
// output), 130 interrupted (evidence kept, report marked partial), 6 watchdog.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <any>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "acceptance/device_kernels.h"
#include "acceptance/gpu_adapter.h"
#include "acceptance/report.h"
#include "acceptance/runner.h"
#include "acceptance/suite.h"
#include "apps/command.h"
#include "calibrate/profile.h"
#include "collectives/backend.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/node_info.h"
#include "core/subprocess.h"
#include "core/table.h"
#include "core/version.h"
#include "kernels/host_gemm.h"
#include "simulator/network/expected_collective.h"
#include "simulator/topology/fat_tree.h"
#include "store/hdf5_store.h"

namespace fs = std::filesystem;

namespace cb {
namespace {

struct ValidateOptions {
  OutputOptions out;
  std::string suite;
  std::vector<std::string> reports;
  std::string prometheus;
  std::vector<std::string> injects;
  std::vector<std::string> sets;
  std::string nodes = "auto";
  std::string backend = "auto";
  int ranks = 1;
  int ranks_per_node = 1;  // --nodes rank: consecutive ranks acting as one node (one rank per rail)
  double timeout = 0;
  std::string drain_cmd;
  double drain_timeout = 60;  // seconds per --drain-cmd run
  std::string calibration;    // a profile for fraction_of_model, in place of the suite cluster's model
};

// The share of throughput an injection takes away: a number in (0, 1).
double InjectedFraction(const std::string& text, const std::string& field, const char* form) {
  double f = 0;
  try {
    size_t pos = 0;
    f = std::stod(field, &pos);
    if (pos != field.size()) throw std::invalid_argument("fraction");
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--inject {}: expected {} with FRACTION a number in (0, 1)", text, form));
  }
  if (!(f > 0 && f < 1)) {
    throw UsageError(fmt::format("--inject {}: FRACTION must be in (0, 1): the share of throughput taken away", text));
  }
  return f;
}

int InjectedRank(const std::string& text, const std::string& field, const char* form) {
  try {
    size_t pos = 0;
    const int r = std::stoi(field, &pos);
    if (pos == field.size() && r >= 0) return r;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("--inject {}: expected {} with RANK a rank of the job (0, 1, ...)", text, form));
}

// slowlink:A:B:FRACTION and slownic:RANK:FRACTION (acceptance/fabric.h).
bool ParseFabricInjection(const std::string& text, acc::FabricInjections* inj) {
  std::vector<std::string> f;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ':');) f.push_back(part);
  if (f.empty() || (f[0] != "slowlink" && f[0] != "slownic")) return false;
  if (f[0] == "slowlink") {
    constexpr const char* kForm = "slowlink:A:B:FRACTION";
    if (f.size() != 4) throw UsageError(fmt::format("--inject {}: expected {}", text, kForm));
    acc::FabricInjections::Link l{InjectedRank(text, f[1], kForm), InjectedRank(text, f[2], kForm),
                                  InjectedFraction(text, f[3], kForm)};
    if (l.a == l.b) throw UsageError(fmt::format("--inject {}: a link joins two different ranks", text));
    inj->links.push_back(l);
  } else {
    constexpr const char* kForm = "slownic:RANK:FRACTION";
    if (f.size() != 3) throw UsageError(fmt::format("--inject {}: expected {}", text, kForm));
    inj->nics.push_back({InjectedRank(text, f[1], kForm), InjectedFraction(text, f[2], kForm)});
  }
  return true;
}

void ParseInjections(const std::vector<std::string>& injects, acc::RunOptions* ro) {
  for (const auto& text : injects) {
    if (ParseFabricInjection(text, &ro->fabric_injections)) continue;
    const Injection inj = ParseInjection(text, {"slow", "corrupt", "slowlink", "slownic"}, /*fraction_below_one=*/true);
    if (inj.kind == "corrupt") {
      ro->corrupt_rank = inj.rank;
    } else {
      ro->slow_rank = inj.rank;
      ro->slow_fraction = inj.fraction;
    }
  }
}

std::unique_ptr<coll::Backend> MakeBackend(const ValidateOptions& o, const AppContext& ctx) {
  coll::BackendOptions bo;
  bo.loopback_ranks = o.ranks;
  bo.timeout_s = o.timeout > 0 ? o.timeout : 300;
  const bool has_mpi = ctx.backends.factories.count("collectives:mpi") > 0;
  std::string name = o.backend == "auto" ? (has_mpi ? "mpi" : "loopback") : o.backend;
  if (name == "mpi") {
    if (!has_mpi) throw UsageError("--backend mpi: this build has no MPI backend");
    return std::any_cast<coll::BackendFactory>(ctx.backends.factories.at("collectives:mpi"))(bo);
  }
  return coll::MakeLoopbackBackend(bo);
}

// Writes `text` to `path` through a temporary file and a rename, so a reader
// (node_exporter, a browser) never sees half a file.
void WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw IoError(fmt::format("{}: cannot write", tmp));
    f << text;
    if (!f.flush()) throw IoError(fmt::format("{}: write failed", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename into place: {}", path, ec.message()));
}

// The report names alone: every rank checks them before MPI starts, so a bad
// name ends every rank alike (and no MPI state is left behind).
void CheckReportNames(const ValidateOptions& o) {
  for (const auto& r : o.reports) {
    std::string ext = fs::path(r).extension().string();
    if (ext != ".html" && ext != ".htm" && ext != ".md") {
      throw UsageError(fmt::format("--report {}: the report is .html or .md", r));
    }
  }
}

void CheckReportPaths(const ValidateOptions& o) {
  for (const auto& r : o.reports) {
    CheckOutputWritable(r);
  }
  if (!o.prometheus.empty()) {
    // Created when missing (with its parents), as `mkdir -p` would: a textfile
    // collector directory is often set up by the first run that writes to it.
    std::error_code ec;
    fs::create_directories(o.prometheus, ec);
    if (!fs::is_directory(o.prometheus)) {
      throw IoError(fmt::format("{}: --prometheus directory cannot be created: {}", o.prometheus,
                                ec ? ec.message() : "a file of that name exists"));
    }
    if (access(o.prometheus.c_str(), W_OK) != 0) {
      throw IoError(fmt::format("{}: --prometheus directory is not writable", o.prometheus));
    }
  }
  CheckOutputWritable(o.out.output);
}

struct DrainRun {
  std::string host, command;
  // The shell's status; 128 + N when signal N ended it; -1 when it could not
  // start; 124 (as timeout(1)) when it outlasted --drain-timeout and was ended.
  int exit_status = 0;
};

// --drain-cmd: runs the command once per failed host ({host}, {node} and
// {reason} shell-quoted, acceptance/report.h ExpandDrainCommand) through
// /bin/sh, in turn, each for at most `timeout_s` (a scheduler that does not
// answer must not hold the job: core/subprocess.h ends the command's process
// group), and says each exit status on stderr.
std::vector<DrainRun> RunDrainHooks(const std::string& command, double timeout_s, const acc::ValidationReport& rep) {
  std::vector<DrainRun> runs;
  if (command.empty()) return runs;
  for (const auto& node : acc::FailedNodes(rep)) {
    DrainRun run{node.host, acc::ExpandDrainCommand(command, node)};
    const ShellResult r = RunShell(run.command, {.timeout_s = timeout_s});
    run.exit_status = r.timed_out ? 124 : r.exit_status;
    std::fprintf(stderr, "validate: drain %s: %s -> %s\n", node.host.c_str(), run.command.c_str(),
                 r.timed_out ? fmt::format("ended after {:g} s (exit 124)", timeout_s).c_str()
                             : fmt::format("exit {}", run.exit_status).c_str());
    std::fflush(stderr);
    runs.push_back(std::move(run));
  }
  return runs;
}

Table DrainTable(const std::vector<DrainRun>& runs) {
  Table t("validate_drain", "the --drain-cmd hook: one row per failed host",
          {{"host", ColumnType::kString, "", "failed host"},
           {"command", ColumnType::kString, "", "the command run (substitutions shell-quoted)"},
           {"exit_status", ColumnType::kInt64, "1",
            "its exit status (128 + N: signal N; -1: could not run; 124: ended after --drain-timeout)"}});
  for (const auto& r : runs) t.AddRow({r.host, r.command, int64_t{r.exit_status}});
  return t;
}

// `failed`: a watchdog or a vanished rank ended the job (run marked failed).
void WriteOutputs(const ValidateOptions& o, const AppContext& ctx, const acc::ValidationReport& rep, Hdf5Writer* writer,
                  bool failed = false) {
  if (o.out.format == "json") {
    std::cout << JsonText(acc::ReportToJson(rep)) << "\n";
  } else {
    std::cout << acc::FormatReportText(rep);
  }
  std::cout.flush();
  for (const auto& path : o.reports) {
    std::string ext = fs::path(path).extension().string();
    WriteFileAtomically(path, ext == ".md" ? acc::ReportMarkdown(rep) : acc::ReportHtml(rep));
  }
  if (!o.prometheus.empty()) {
    for (const auto& [name, text] : acc::PrometheusFiles(rep)) {
      WriteFileAtomically((fs::path(o.prometheus) / name).string(), text);
    }
  }
  // The drain hook, once per failed host, after the reports are on disk; a
  // partial run judged too little to drain anyone.
  const std::vector<DrainRun> drains =
      rep.partial ? std::vector<DrainRun>{} : RunDrainHooks(o.drain_cmd, o.drain_timeout, rep);
  if (writer) {
    for (const auto& t : acc::EvidenceTables(rep)) writer->WriteTable(t);
    if (!drains.empty()) writer->WriteTable(DrainTable(drains));
    writer->EndRun(failed        ? RunStatus::kFailed
                   : rep.partial ? RunStatus::kInterrupted
                                 : RunStatus::kComplete,
                   rep.partial ? rep.partial_reason : fmt::format("verdict {}", rep.status.name));
  }
  (void)ctx;
}

// threshold.fraction_of_model (docs/acceptance.md): what a model expects of a
// collective group, given to acceptance as data (acceptance does not depend
// on the simulator). A calibration profile (--calibration) answers when
// given; otherwise the simulator's collective model on the suite's cluster.
// Throws ConfigError, naming the check, when a check asks for the model and
// neither exists.
std::function<acc::ModelFigure(const acc::Check&, const std::vector<coll::RankInfo>&)> ModelExpectations(
    const acc::Suite& suite, const std::string& calibration) {
  bool wanted = false;
  for (const auto& c : suite.checks) {
    if (!c.judged_by_model()) continue;
    wanted = true;
    if (!suite.cluster && calibration.empty()) {
      throw ConfigError(
          fmt::format("{}: check '{}': threshold.fraction_of_model needs a model: name the suite's cluster (cluster: "
                      "dgx-h100-ndr, configs/clusters) or give validate --calibration PROFILE",
                      c.where, c.name));
    }
  }
  if (!wanted) return nullptr;
  if (!calibration.empty()) {
    auto profile = std::make_shared<calib::Profile>(calib::LoadProfile(calibration));
    return [profile, calibration](const acc::Check& c, const std::vector<coll::RankInfo>& members) {
      const auto n = static_cast<int64_t>(members.size());
      try {
        const calib::CollectivePrediction p =
            calib::PredictCollective(*profile, c.benchmark, n, static_cast<double>(c.bytes));
        std::string notes;
        for (const auto& x : p.notes) notes += "; " + x;
        return acc::ModelFigure{
            p.busbw, fmt::format("calibration {}: {} of {} over {} ranks ({}, measured on {} ranks; {}){}", calibration,
                                 c.benchmark, FormatBytes(static_cast<double>(c.bytes)), n, p.tier, p.measured_ranks,
                                 p.how, notes)};
      } catch (const Error& e) {
        return acc::ModelFigure{0, fmt::format("calibration {}: {}", calibration, e.what())};
      }
    };
  }
  const sim::ClusterSpec cluster = sim::ClusterFromConfig(*suite.cluster);
  const sim::Efficiencies eff = sim::EfficienciesFor(sim::GpuFromConfig(suite.cluster->at("gpu")));
  return [cluster, eff](const acc::Check& c, const std::vector<coll::RankInfo>& members) {
    const auto op = FindCollectiveOp(c.benchmark);  // the suite admits only modelled collectives
    // Hosts are what ran, whatever --nodes calls a node.
    std::vector<std::string> hosts;
    for (const auto& m : members) hosts.push_back(m.host);
    const sim::ExpectedCollective x =
        sim::ExpectCollective(cluster, eff, *op, static_cast<double>(c.bytes), static_cast<int64_t>(members.size()),
                              sim::DomainMembersOfHosts(hosts, cluster));
    return acc::ModelFigure{x.busbw, x.how};
  };
}

// The suite cluster's fat tree for the pairs check (acceptance/fabric.h
// FabricTopology), built by the simulator's topology code: fabric node i is
// the cluster's node i and its rail r the node's NIC r; a node's switch is the
// leaf of its rail-0 NIC, a pair's route the physical links of both
// directions, named as `clusterbench topology` names them. Null when no pairs
// check or no cluster; a note instead of a topology when the cluster has no
// scale_out.tiers or fewer nodes or NICs than the job.
std::function<acc::FabricTopology(int, int)> PairsTopology(const acc::Suite& suite) {
  const bool wanted =
      std::any_of(suite.checks.begin(), suite.checks.end(), [](const acc::Check& c) { return c.is_pairs(); });
  if (!wanted || !suite.cluster) return nullptr;
  const ConfigNode cluster = *suite.cluster;
  return [cluster](int nodes, int rails) {
    acc::FabricTopology t;
    sim::FabricSpec spec;
    try {
      spec = sim::FabricFromConfig(cluster);
    } catch (const Error& e) {
      t.note = fmt::format("no topology: {}", e.what());
      return t;
    }
    const int64_t cluster_nodes = spec.gpus / std::max<int64_t>(1, spec.gpus_per_node);
    if (nodes > cluster_nodes || rails > spec.nics_per_node) {
      t.note = fmt::format(
          "no topology: the job has {} node(s) of {} rail(s), the cluster '{}' {} node(s) of {} NIC(s); pairs are "
          "scheduled and judged without switches and links",
          nodes, rails, spec.name, cluster_nodes, spec.nics_per_node);
      return t;
    }
    auto tree = std::make_shared<sim::FatTree>(sim::FatTree::Build(spec));
    const int64_t nics = spec.nics_per_node;
    std::set<int> leaves;
    for (int i = 0; i < nodes; ++i) {
      const int64_t nic = i * nics;
      t.switch_of.push_back(static_cast<int>(tree->PlaneOfNic(nic) * 1000000 + tree->LeafOfNic(nic)));
      leaves.insert(t.switch_of.back());
    }
    auto names = std::make_shared<std::map<int, std::string>>();
    t.route = [tree, nics, names](int a, int b, int rail) {
      std::vector<std::string> out;
      try {
        std::vector<int> links = tree->Route(a * nics + rail, b * nics + rail);
        for (int l : tree->Route(b * nics + rail, a * nics + rail)) links.push_back(l);
        std::set<int> physical;
        for (int l : links) physical.insert(l / 2);
        for (int p : physical) {
          auto [it, fresh] = names->emplace(p, "");
          if (fresh) it->second = tree->DescribeLink(sim::FatTree::UpLinkOf(p));
          out.push_back(it->second);
        }
      } catch (const Error&) {
        out.clear();  // no path between them (different planes): nothing to blame on a link
      }
      return out;
    };
    t.note =
        fmt::format("topology of cluster '{}': {} node(s) under {} leaf switch(es)", spec.name, nodes, leaves.size());
    return t;
  };
}

// The backends this build registered: GPU kernels (an adapter registered
// under acceptance:device_kernels, or the CUDA kernels adapted) and NCCL for
// the fabric checks that ask for it (one rank per GPU under mpirun/srun).
void AttachBackends(const ValidateOptions& o, AppContext& ctx, acc::RunOptions* ro) {
  auto& f = ctx.backends.factories;
  if (auto it = f.find(acc::kDeviceKernelsKey); it != f.end()) {
    ro->device_kernels = std::any_cast<acc::DeviceKernelsFactory>(it->second);
  } else if (auto cuda = f.find(kCudaKernelsFactory); cuda != f.end()) {
    ro->device_kernels = acc::AdaptGpuBench(std::any_cast<GpuBenchFactory>(cuda->second));
  } else {
    ro->why_no_devices = "this build has no GPU kernels backend (configure with CB_ENABLE_CUDA)";
  }
  if (auto it = f.find("collectives:nccl"); it != f.end()) {
    auto factory = std::any_cast<coll::BackendFactory>(it->second);
    coll::BackendOptions bo;
    bo.gpus_per_process = 1;
    bo.timeout_s = o.timeout > 0 ? o.timeout : 300;
    ro->make_nccl = [factory, bo]() { return factory(bo); };
  }
}

// This node's inventory (with the backends' GPUs and the library versions)
// and the run's provenance.
void DescribeNodeAndRun(AppContext& ctx, acc::RunOptions* ro) {
  NodeInfo info = CollectHostInfo();
  for (const auto& fill : ctx.backends.node_info) fill(info);
  info.versions["clusterbench"] = fmt::format("{} ({})", kVersion, kGitRevision);
  info.versions["blas"] = BlasInfo();
  info.versions["hdf5"] = Hdf5LibraryVersion();
  ro->cpu_model = info.cpu_model;
  ro->versions = info.versions;
  ro->node_info = info;
  if (info.gpus.empty() && info.gpu_note.empty()) ro->node_info.gpu_note = "CUDA backend not built";
  ro->provenance.started_utc = NowIso8601();
  ro->provenance.tool_version = kVersion;
  ro->provenance.git_revision = kGitRevision;
  ro->provenance.build_type = kBuildType;
  ro->provenance.command_line = ctx.command_line;
  ro->provenance.host = info.hostname;
  if (!info.gpu_note.empty() && !ro->device_kernels) ro->why_no_devices += "; " + info.gpu_note;
}

// Runs the suite on every rank of `backend`; rank 0 writes the outputs (the
// HDF5 run is begun before anything is measured). Returns the exit code,
// the same on every rank.
int RunSuiteOnRanks(const ValidateOptions& o, AppContext& ctx, const acc::Suite& suite, acc::RunOptions& ro,
                    coll::Backend& backend) {
  const Logger log = o.out.logger();
  const bool root_process = backend.holds_rank0();
  int exit_code = 0;
  std::mutex mu;
  try {
    backend.Run([&](coll::Communicator& comm) {
      std::unique_ptr<Hdf5Writer> writer;
      if (comm.rank() == 0 && !o.out.output.empty()) {
        // The run is recorded as "running" before anything is measured: a
        // kill leaves a run that says so, never a corrupt file.
        writer = std::make_unique<Hdf5Writer>(o.out.output);
        RunInfo run = MakeRunInfo("validate", ctx.command_line);
        run.rank_count = comm.size();
        std::set<std::string> hosts;
        for (const auto& ri : comm.ranks()) hosts.insert(ri.host);
        run.hosts.assign(hosts.begin(), hosts.end());
        run.config_yaml = suite.yaml;
        writer->BeginRun(run);
      }
      // A rank stopped mid-suite: rank 0's watchdog writes what was judged so
      // far (report PARTIAL, evidence marked failed) before the job ends (6).
      ro.on_stall = [&](const acc::ValidationReport& so_far, const std::string&) {
        WriteOutputs(o, ctx, so_far, writer.get(), /*failed=*/so_far.stalled || so_far.vanished);
      };
      acc::ValidationReport rep = acc::RunSuite(comm, suite, ro);
      int code = 0;
      if (comm.rank() == 0) {
        if (!rep.written) WriteOutputs(o, ctx, rep, writer.get());
        code = rep.partial ? static_cast<int>(ExitCode::kInterrupted) : rep.status.exit_code;
        if (rep.partial) log.Warn("interrupted: the evidence so far is kept and the report says PARTIAL");
      }
      code = static_cast<int>(comm.Broadcast(static_cast<double>(code)));
      std::lock_guard<std::mutex> lock(mu);
      exit_code = std::max(exit_code, code);
    });
  } catch (const Error& e) {
    // Every rank reaches the same decision; rank 0 says it, all exit alike.
    if (root_process) throw;
    if (e.code() == ExitCode::kInterrupted || e.code() == ExitCode::kTimeout) return static_cast<int>(e.code());
    // A decision every rank took inside the job (an injection naming a rank
    // outside it): the launcher ends the job at the first rank that exits, so
    // wait for rank 0 to say why before this rank's exit lets it do so.
    std::this_thread::sleep_for(std::chrono::seconds(2));
    return 3;
  }
  return exit_code;
}

int RunValidate(const ValidateOptions& o, AppContext& ctx) {
  acc::RunOptions ro;
  ParseInjections(o.injects, &ro);
  CheckReportNames(o);
  ro.node_mode = o.nodes == "host"   ? acc::NodeMode::kHost
                 : o.nodes == "rank" ? acc::NodeMode::kRank
                                     : acc::NodeMode::kAuto;
  if (o.ranks_per_node > 1 && o.nodes != "rank") {
    throw UsageError(fmt::format("--ranks-per-node {}: applies to --nodes rank (each group of ranks acts as a node)",
                                 o.ranks_per_node));
  }
  ro.ranks_per_node = o.ranks_per_node;
  ro.timeout_s = o.timeout;
  ConfigLoader loader;
  acc::Suite suite = acc::LoadSuite(loader, o.suite, ParseOverrides(o.sets));
  ro.expect_model = ModelExpectations(suite, o.calibration);
  ro.topology = PairsTopology(suite);
  AttachBackends(o, ctx, &ro);
  DescribeNodeAndRun(ctx, &ro);

  std::unique_ptr<coll::Backend> backend = MakeBackend(o, ctx);
  const bool root_process = backend->holds_rank0();
  if (root_process) CheckReportPaths(o);
  if (root_process && !o.calibration.empty() && !ro.expect_model) {
    std::fprintf(stderr,
                 "validate: --calibration %s: no check of suite %s sets threshold.fraction_of_model; the profile "
                 "is not used\n",
                 o.calibration.c_str(), suite.name.c_str());
  }
  if (root_process && !o.out.quiet) {
    ro.progress = [](const std::string& line) {
      std::fprintf(stderr, "validate: %s\n", line.c_str());
      std::fflush(stderr);
    };
  }
  return RunSuiteOnRanks(o, ctx, suite, ro, *backend);
}

}  // namespace

void RegisterValidateCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand(
      "validate",
      "Acceptance: run a suite of compute, memory and collective checks on every rank (under mpirun/srun, or one "
      "rank without) and give each device, rank and node a verdict (PASS, WARN, FAIL, SKIPPED) with reasons.\n"
      "Exit codes: 0 OK, 1 WARN, 2 CRITICAL, 3 UNKNOWN (nothing checked, or bad input), 130 interrupted.");
  auto o = std::make_shared<ValidateOptions>();
  AddOutputOptions(cmd, &o->out);
  cmd->add_option("--suite", o->suite, "suite file or shipped name (configs/suites: host-cpu, h100-sxm-node, ...)")
      ->required();
  cmd->add_option("--report", o->reports, "write a report: FILE.html (plots) or FILE.md (repeatable)");
  cmd->add_option("--prometheus", o->prometheus,
                  "write one node_exporter textfile per node into this directory (clusterbench_validate_<node>.prom)");
  cmd->add_option("--inject", o->injects,
                  "self-test: slow:RANK:FRACTION (the rank's measured throughput drops by FRACTION), corrupt:RANK "
                  "(its outputs fail verification), slowlink:A:B:FRACTION (traffic between ranks A and B: pairs "
                  "checks and bisection groups with both), slownic:RANK:FRACTION (every pair and group with RANK)");
  cmd->add_option("--nodes", o->nodes,
                  "what a node is: host (host name), rank (each rank is a node, host:rank), auto (rank when every "
                  "rank runs on one host, else host)")
      ->check(CLI::IsMember({"auto", "host", "rank"}))
      ->capture_default_str();
  cmd->add_option("--ranks-per-node", o->ranks_per_node,
                  "with --nodes rank: K consecutive ranks act as one node (host:i), one rank per rail, so one machine "
                  "can act as a fleet of multi-rail nodes")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("--backend", o->backend, "control plane: mpi, loopback (threads as ranks), auto (mpi when built)")
      ->check(CLI::IsMember({"auto", "mpi", "loopback"}))
      ->capture_default_str();
  cmd->add_option("--ranks", o->ranks, "ranks (threads) of the loopback backend (at most 4096)")
      ->check(Bounded(1, 4096))
      ->capture_default_str();
  cmd->add_option("--timeout", o->timeout,
                  "watchdog per phase in seconds (default: 60 + 20 x the suite's time budget; at most a week)")
      ->check(Bounded(0, 604800));
  cmd->add_option("--drain-cmd", o->drain_cmd,
                  "rank 0, after the reports are written: run this shell command once per failed host, with {host}, "
                  "{node} and {reason} replaced (shell-quoted), e.g. 'scontrol update nodename={host} state=drain "
                  "reason={reason}'; each exit status is said on stderr and kept in the evidence (validate_drain)");
  cmd->add_option("--drain-timeout", o->drain_timeout,
                  "seconds each --drain-cmd run may take; one still running is ended (its process group: SIGTERM, "
                  "SIGKILL 2 s later) and recorded with exit status 124")
      ->check(Bounded(0.001, 86400))
      ->capture_default_str();
  cmd->add_option("--calibration", o->calibration,
                  "checks with threshold.fraction_of_model: expect what this profile (clusterbench calibrate) "
                  "predicts for each group, in place of the collective model on the suite's cluster")
      ->type_name("PROFILE.yaml");
  AddOverrideOption(cmd, &o->sets);
  *action = [o, &ctx]() {
    try {
      return RunValidate(*o, ctx);
    } catch (const Error& e) {
      // Whatever kept validate from judging is UNKNOWN (3) to a monitor;
      // interruption and the watchdog keep their own codes.
      if (e.code() == ExitCode::kInterrupted || e.code() == ExitCode::kTimeout) throw;
      throw Error(ExitCode::kConfig, e.what());
    }
  };
}

}  // namespace cb
