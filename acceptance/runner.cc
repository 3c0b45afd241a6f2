#include "acceptance/runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>

#include "acceptance/health.h"
#include "acceptance/localize.h"
#include "collectives/harness.h"
#include "collectives/interrupt_keeper.h"
#include "collectives/op.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/stats.h"
#include "core/table.h"
#include "kernels/host_gemm.h"
#include "kernels/host_stream.h"

namespace cb::acc {
namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
// The steady clock in seconds, as the progress watchdog keeps its intervals.
double SteadySeconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// ---------------------------------------------------------------- control plane helpers

// Rank 0 receives every rank's string (others get an empty vector). Strings
// travel as one double per byte through Gather (the control plane carries
// doubles): small metadata only.
std::vector<std::string> GatherStrings(coll::Communicator& comm, const std::string& mine) {
  const size_t len = static_cast<size_t>(comm.AllReduceMax(static_cast<double>(mine.size())));
  std::vector<double> buf(len + 1, 0.0);
  for (size_t i = 0; i < mine.size(); ++i) buf[i] = static_cast<unsigned char>(mine[i]);
  std::vector<double> all = comm.Gather(buf);
  std::vector<std::string> out;
  for (size_t r = 0; r * (len + 1) < all.size(); ++r) {
    std::string s;
    for (size_t i = 0; i < len; ++i) {
      double c = all[r * (len + 1) + i];
      if (c == 0) break;
      s.push_back(static_cast<char>(static_cast<unsigned char>(c)));
    }
    out.push_back(std::move(s));
  }
  return out;
}

// Rank 0's list of ints to every rank (O(size) broadcasts: lists are short).
std::vector<int> BroadcastInts(coll::Communicator& comm, const std::vector<int>& mine) {
  const int n = static_cast<int>(comm.Broadcast(static_cast<double>(mine.size())));
  std::vector<int> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)] =
        static_cast<int>(comm.Broadcast(comm.rank() == 0 ? static_cast<double>(mine[static_cast<size_t>(i)]) : 0.0));
  }
  return out;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

constexpr char kFieldSep = '\x1f';
constexpr char kRecordSep = '\x1e';

// A quiet barrier: waiting ranks sleep (ArriveWithin polls with back-off)
// instead of spinning in MPI_Barrier, so the rank measuring has the CPU.
// On rank 0, `keep` writes the report so far before the job ends.
void QuietBarrier(coll::Communicator& comm, double timeout_s, const std::string& what,
                  const std::function<void(const std::string&)>& keep) {
  std::vector<int> missing;
  if (comm.ArriveWithin(timeout_s, &missing)) return;
  if (comm.rank() == 0) {
    std::string who;
    for (int r : missing) {
      const auto& ri = comm.ranks()[static_cast<size_t>(r)];
      who += fmt::format("{}rank {} ({}, {})", who.empty() ? "" : ", ", r, ri.host, ri.device);
    }
    const std::string message =
        fmt::format("watchdog: {} did not arrive within {:.0f} s during {}", who, timeout_s, what);
    std::fprintf(stderr, "clusterbench: error: %s\n", message.c_str());
    std::fflush(stderr);
    if (keep) keep(message);
  } else {
    // Rank 0 names the missing ranks, keeps the report and ends the job; give
    // it the time (an abort from here would kill it mid-write).
    std::this_thread::sleep_for(std::chrono::seconds(10));
  }
  comm.Abort(static_cast<int>(ExitCode::kTimeout));
}

bool AnyInterrupted(coll::Communicator& comm) { return comm.AllReduceMax(Interrupted() ? 1.0 : 0.0) > 0; }

// ---------------------------------------------------------------- measuring

// One unit this rank measures in a node-local check.
struct LocalUnit {
  int device = -1;  // GPU index, -1 for the host
  std::string device_name;
  std::string skipped;
};

constexpr size_t kRecord = 10;  // value, median, min, max, iqr, samples, checked, wrong, interrupted, measured

Round MeasureHost(const Check& c, const MeasureOptions& mo) {
  Round r;
  Measurement m;
  if (c.benchmark == "gemm") {
    SetHostGemmThreads(c.threads);
    GemmResult g = RunHostGemm(c.dtype, c.size, c.size, c.size, mo);
    r.value = g.flop_rate;
    if (c.best_statistic && g.measurement.summary.min > 0)
      r.value = g.flop_rate * g.measurement.summary.median / g.measurement.summary.min;
    r.checked = g.checked;
    r.wrong = g.wrong;
    m = g.measurement;
  } else if (c.benchmark == "stream") {
    std::vector<StreamResult> all = RunHostStream(c.bytes, c.threads, mo);
    const StreamResult* s = nullptr;
    int64_t wrong = 0;
    for (const auto& x : all) {
      wrong += x.wrong;
      if (x.kernel == c.kernel) s = &x;
    }
    if (s) {
      r.value = s->bandwidth_Bps;
      m = s->measurement;
      if (c.best_statistic && m.summary.min > 0) r.value = static_cast<double>(s->bytes_moved) / m.summary.min;
    } else {
      m.interrupted = true;  // stopped before the judged kernel
    }
    r.checked = static_cast<int64_t>(all.size()) * (c.bytes / static_cast<int64_t>(sizeof(double)));
    r.wrong = wrong;
  } else {
    throw RuntimeError(fmt::format("check '{}': {} has no host implementation", c.name, c.benchmark));
  }
  r.median_s = m.summary.median;
  r.min_s = m.summary.min;
  r.max_s = m.summary.max;
  r.iqr_spread = m.iqr_spread;
  r.samples = static_cast<int64_t>(m.samples_s.size());
  r.interrupted = m.interrupted || Interrupted();
  return r;
}

Round MeasureDevice(DeviceKernels& dk, int device, const Check& c, const MeasureOptions& mo, std::string* skipped) {
  DeviceRequest req{c.benchmark, c.dtype, c.size, c.bytes};
  DeviceResult d = dk.Run(device, req, mo);
  Round r;
  if (!d.skipped.empty()) {
    *skipped = d.skipped;
    return r;
  }
  r.value = d.value;
  if (c.best_statistic && d.measurement.summary.min > 0)
    r.value = d.value * d.measurement.summary.median / d.measurement.summary.min;
  r.checked = d.checked;
  r.wrong = d.wrong;
  r.median_s = d.measurement.summary.median;
  r.min_s = d.measurement.summary.min;
  r.max_s = d.measurement.summary.max;
  r.iqr_spread = d.measurement.iqr_spread;
  r.samples = static_cast<int64_t>(d.measurement.samples_s.size());
  r.interrupted = d.measurement.interrupted || Interrupted();
  return r;
}

void Append(std::vector<double>* rec, const Round& r, bool measured) {
  rec->insert(rec->end(), {r.value, r.median_s, r.min_s, r.max_s, r.iqr_spread, static_cast<double>(r.samples),
                           static_cast<double>(r.checked), static_cast<double>(r.wrong), r.interrupted ? 1.0 : 0.0,
                           measured ? 1.0 : 0.0});
}

Round FromRecord(const double* p) {
  Round r;
  r.value = p[0];
  r.median_s = p[1];
  r.min_s = p[2];
  r.max_s = p[3];
  r.iqr_spread = p[4];
  r.samples = static_cast<int64_t>(p[5]);
  r.checked = static_cast<int64_t>(p[6]);
  r.wrong = static_cast<int64_t>(p[7]);
  r.interrupted = p[8] != 0;
  return r;
}

// Adds a round to a unit's data (values for the verdict, checks summed).
void AddRound(UnitResult* u, const Round& r) {
  u->rounds.push_back(r);
  if (r.samples > 0) u->data.values.push_back(r.value);
  u->data.checked += r.checked;
  u->data.wrong += r.wrong;
}

class Runner {
 public:
  Runner(coll::Communicator& comm, const Suite& suite, const RunOptions& o) : comm_(comm), suite_(suite), o_(o) {}

  ValidationReport Run();

 private:
  void Identify();
  void RunLocalCheck(int index);
  // The phases of a node-local check: this rank's units (and its turn on a
  // shared host), rank 0's result per unit of every rank, one round of
  // this rank's measurements, rank 0's verdicts after a round (returns the
  // ranks to measure again), and the final verdicts.
  std::vector<LocalUnit> LocalUnitsOfRank(const Check& c, int* slot) const;
  std::vector<UnitResult> GatherLocalUnits(int index, const std::vector<LocalUnit>& units,
                                           std::vector<std::pair<int, size_t>>* owner);
  std::vector<Round> MeasureMyUnits(const Check& c, int slot, int slots, bool measuring, std::vector<LocalUnit>* units);
  std::vector<int> JudgeLocalRound(int index, int round, double round_start, const std::vector<double>& all,
                                   size_t max_units, const std::vector<std::pair<int, size_t>>& owner,
                                   std::vector<UnitResult>* results);
  void FinishLocalCheck(int index, const std::vector<LocalUnit>& units,
                        const std::vector<std::pair<int, size_t>>& owner, std::vector<UnitResult>* results);
  void RunFabricCheck(int index);
  // Rank 0: one unit per group of a fabric check (the whole job, or each
  // split group), with what the model expects of it; `colors` gets each
  // unit's group.
  std::vector<UnitResult> FabricGroupUnits(int index, const std::map<int, std::vector<int>>& groups,
                                           std::vector<int>* colors) const;
  void RunHealthCheck(int index);
  // Fabric localisation (issue 19): the pairs check, and bisection after a
  // whole-job collective check (acceptance/fabric.h).
  void FabricNodes();
  void CheckFabricInjections();
  void RunPairsCheck(int index);
  // One round (or batch) of pairs at once: every rank exchanges with its
  // partner in `m`, the others wait; rank 0 appends the pairs' figures.
  void MeasurePairs(int index, const Matching& m, int round, int batch, bool confirm, void* send, void* recv,
                    const std::string& what, std::vector<PairMeasurement>* measured);
  // The schedule's rounds, each in its batches; rank 0 appends the figures.
  void MeasurePairRounds(int index, const std::vector<Matching>& schedule, const FabricTopology& topo, void* send,
                         void* recv, std::vector<PairMeasurement>* measured);
  void ConfirmSlowPairs(int index, const FabricTopology& topo, int first_round, void* send, void* recv,
                        std::vector<PairMeasurement>* measured);
  // The confirmation's rounds, each beside its yardstick; rank 0 keeps the
  // pairs' figures and, per rail, the yardsticks'. Returns the rounds measured.
  int MeasureConfirmation(int index, const std::vector<ConfirmationRound>& rounds, int first_round, void* send,
                          void* recv, std::vector<PairMeasurement>* pending,
                          std::map<int, std::vector<double>>* beside);
  void JudgePairs(int index, const FabricTopology& topo, int rounds, const std::vector<PairMeasurement>& measured);
  UnitResult NodePairsUnit(int index, int node, const std::vector<PairMeasurement>& measured, double fleet) const;
  void RunBisection(int index);
  std::vector<double> MeasureGroups(const Check& c, const std::vector<std::vector<int>>& groups, int round);
  void AddCulpritUnit(int index, const FabricCulprit& f, double value, double expected);
  void SkipCheck(int index, const std::string& why);
  void Progress(int index, double took);
  double Planned(const Check& c) const;
  MeasureOptions Options() const;

  coll::Communicator& comm_;
  const Suite& suite_;
  const RunOptions& o_;
  ValidationReport rep_;
  std::vector<std::string> node_of_;   // per rank
  std::vector<int> local_index_;       // per rank: index among ranks on its host
  std::vector<int> ranks_on_host_;     // per rank
  std::unique_ptr<DeviceKernels> dk_;  // this rank's GPU kernels, if any
  std::vector<DeviceIdentity> my_devices_;
  std::string why_no_devices_;
  // NCCL fabric checks: the job's NCCL communicator, made at the first one;
  // why_no_nccl_ says why there is none (then every such check is SKIPPED).
  std::unique_ptr<coll::Backend> nccl_;
  std::string why_no_nccl_;
  bool nccl_tried_ = false;
  bool OpenNccl();
  bool stop_ = false;
  double timeout_s_ = 0;
  // Rank 0: writes the report of the checks done so far (a watchdog ends the
  // job); set while Run() runs.
  std::function<void(const std::string&)> keep_;
  Clock::time_point start_ = Clock::now();
  double planned_done_ = 0, planned_total_ = 0;
  // Fabric nodes (every rank): node index per rank, its ranks per node by
  // rail (index among the node's ranks), and the rails.
  std::vector<std::string> fabric_nodes_;
  std::vector<int> fabric_node_of_, rail_of_;
  std::vector<std::vector<int>> node_ranks_;
  int rails_ = 0;
};

MeasureOptions Runner::Options() const {
  MeasureOptions mo;
  mo.time_budget_s = suite_.time_budget_s;
  mo.warmup = 1;
  mo.min_reps = 5;
  if (comm_.rank() == o_.slow_rank) mo.throttle = o_.slow_fraction;
  mo.corrupt_output = comm_.rank() == o_.corrupt_rank;
  return mo;
}

double Runner::Planned(const Check& c) const {
  // Rough cost for the time-left estimate: budget x kernels x slots.
  if (c.is_health()) return 0.2;
  if (c.collective()) return 1.0;
  int slots = 1;
  if (!c.on_gpu) {
    std::map<std::string, std::set<std::string>> nodes_on_host;
    for (size_t r = 0; r < node_of_.size(); ++r) nodes_on_host[comm_.ranks()[r].host].insert(node_of_[r]);
    for (const auto& [h, nodes] : nodes_on_host) slots = std::max(slots, static_cast<int>(nodes.size()));
  }
  double per = suite_.time_budget_s * (c.benchmark == "stream" && !c.on_gpu ? 4 : 1);
  return per * slots + 0.2;
}

void Runner::Progress(int index, double took) {
  if (comm_.rank() != 0 || !o_.progress) return;
  planned_done_ += Planned(suite_.checks[static_cast<size_t>(index)]);
  const double elapsed = Since(start_);
  const double rate = planned_done_ > 0 ? elapsed / planned_done_ : 1;
  const double left = std::max(0.0, (planned_total_ - planned_done_) * rate);
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  o_.progress(fmt::format("[{}/{}] {} ({}) done in {:.1f} s; elapsed {:.1f} s, about {:.0f} s left", index + 1,
                          suite_.checks.size(), c.name, c.Describe(), took, elapsed, left));
}

void Runner::Identify() {
  const auto& infos = comm_.ranks();
  const int n = comm_.size();
  std::set<std::string> hosts;
  for (const auto& ri : infos) hosts.insert(ri.host);
  NodeMode mode = o_.node_mode;
  if (mode == NodeMode::kAuto) mode = (hosts.size() == 1 && n > 1) ? NodeMode::kRank : NodeMode::kHost;
  node_of_.resize(static_cast<size_t>(n));
  local_index_.resize(static_cast<size_t>(n));
  ranks_on_host_.resize(static_cast<size_t>(n));
  std::map<std::string, int> count;
  for (int r = 0; r < n; ++r) {
    const auto& h = infos[static_cast<size_t>(r)].host;
    node_of_[static_cast<size_t>(r)] =
        mode == NodeMode::kRank ? fmt::format("{}:{}", h, r / std::max(1, o_.ranks_per_node)) : h;
    local_index_[static_cast<size_t>(r)] = count[h]++;
  }
  for (int r = 0; r < n; ++r) ranks_on_host_[static_cast<size_t>(r)] = count[infos[static_cast<size_t>(r)].host];

  // GPU kernels, when the suite measures a GPU.
  bool wants_gpu = std::any_of(suite_.checks.begin(), suite_.checks.end(), [](const Check& c) { return c.on_gpu; });
  why_no_devices_ = o_.why_no_devices;
  if (wants_gpu && o_.device_kernels) {
    try {
      dk_ = o_.device_kernels();
      if (dk_) my_devices_ = dk_->Devices();
      if (my_devices_.empty()) why_no_devices_ = "no GPU on this node";
    } catch (const Error& e) {
      dk_.reset();
      why_no_devices_ = e.what();
    }
  }
  std::string mine = o_.cpu_model;
  mine += kFieldSep;
  for (const auto& [k, v] : o_.versions) mine += k + "=" + v + ";";
  mine += kFieldSep;
  for (const auto& d : my_devices_) {
    mine += fmt::format("{}{}{}{}{}{}{}{}{}{}", d.index, kFieldSep, d.name, kFieldSep, d.uuid, kFieldSep, d.pci_bus_id,
                        kFieldSep, d.serial, kRecordSep);
  }
  std::vector<std::string> all = GatherStrings(comm_, mine);
  // Inventory: one per host, from its first rank (others send nothing).
  const bool first_on_host = local_index_[static_cast<size_t>(comm_.rank())] == 0;
  std::vector<std::string> inv = GatherStrings(comm_, first_on_host ? NodeInfoToJson(o_.node_info).dump() : "");
  if (comm_.rank() != 0) return;
  for (const auto& text : inv) {
    if (text.empty()) continue;
    try {
      rep_.inventory.push_back(NodeInfoFromJson(nlohmann::json::parse(text)));
    } catch (const nlohmann::json::exception&) {
      NodeInfo bad;
      bad.hostname = "?";
      bad.gpu_note = "inventory unreadable";
      rep_.inventory.push_back(bad);
    }
  }
  for (int r = 0; r < n; ++r) {
    RankResult rr;
    rr.rank = r;
    rr.host = infos[static_cast<size_t>(r)].host;
    rr.node = node_of_[static_cast<size_t>(r)];
    std::string text = all[static_cast<size_t>(r)];
    size_t a = text.find(kFieldSep), b = text.find(kFieldSep, a + 1);
    rr.cpu_model = text.substr(0, a);
    for (const auto& kv : Split(text.substr(a + 1, b - a - 1), ';')) {
      auto eq = kv.find('=');
      if (eq != std::string::npos) rr.versions[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& recd : Split(text.substr(b + 1), kRecordSep)) {
      auto f = Split(recd, kFieldSep);
      if (f.size() < 5) continue;
      rr.devices.push_back({std::stoi(f[0]), f[1], f[2], f[3], f[4]});
    }
    rr.device = wants_gpu && !rr.devices.empty() ? "" : "cpu";
    rep_.ranks.push_back(std::move(rr));
  }
}

void Runner::SkipCheck(int index, const std::string& why) {
  if (comm_.rank() != 0) return;
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  UnitResult u;
  u.check = index;
  u.label = "all ranks";
  for (int r = 0; r < comm_.size(); ++r) u.ranks.push_back(r);
  u.host = "*";
  u.node = "*";
  u.device = "*";
  u.data.label = u.label;
  u.data.skipped = why;
  u.verdict = Judge(c.judge, {u.data}).front();
  rep_.units.push_back(std::move(u));
}

void Runner::RunLocalCheck(int index) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  int slot = 0;
  std::vector<LocalUnit> units = LocalUnitsOfRank(c, &slot);
  const size_t max_units = static_cast<size_t>(comm_.AllReduceMax(static_cast<double>(units.size())));
  const int slots = static_cast<int>(comm_.AllReduceMax(static_cast<double>(slot + 1)));
  std::vector<std::pair<int, size_t>> owner;  // rank 0: (rank, unit index on that rank) per result
  std::vector<UnitResult> results = GatherLocalUnits(index, units, &owner);
  std::set<int> measure;  // ranks measuring in this round (all in the first)
  for (int r = 0; r < comm_.size(); ++r) measure.insert(r);
  // `rounds` interleaved passes over every unit, then passes over the units
  // whose latest round missed, until they pass or have `repeats` misses.
  const int max_rounds = c.rounds + c.judge.repeats - 1;
  for (int round = 0; round < max_rounds && !stop_; ++round) {
    const double round_start = SteadySeconds();
    const std::vector<Round> mine = MeasureMyUnits(c, slot, slots, measure.count(comm_.rank()) > 0, &units);
    std::vector<double> rec;
    for (size_t i = 0; i < max_units; ++i) {
      const bool measured = i < units.size() && units[i].skipped.empty() && mine[i].samples > 0;
      Append(&rec, i < units.size() ? mine[i] : Round{}, measured);
    }
    const std::vector<double> all = comm_.Gather(rec);
    std::vector<int> again;
    if (comm_.rank() == 0) again = JudgeLocalRound(index, round, round_start, all, max_units, owner, &results);
    stop_ = AnyInterrupted(comm_);
    if (round + 1 >= max_rounds || stop_) break;
    if (round + 1 < c.rounds) continue;  // every unit again
    again = BroadcastInts(comm_, again);
    if (again.empty()) break;
    measure = std::set<int>(again.begin(), again.end());
  }
  FinishLocalCheck(index, units, owner, &results);
}

std::vector<LocalUnit> Runner::LocalUnitsOfRank(const Check& c, int* slot) const {
  const int me = comm_.rank();
  const size_t ume = static_cast<size_t>(me);
  std::vector<LocalUnit> units;
  *slot = 0;
  if (!c.on_gpu) {
    // The host is one unit per node, measured by the node's first rank;
    // nodes sharing a host take turns.
    std::vector<std::string> hosts;
    for (const auto& ri : comm_.ranks()) hosts.push_back(ri.host);
    const int turn = HostMeasuringSlot(node_of_, hosts, me);
    if (turn >= 0) {
      units.push_back({-1, "cpu", ""});
      *slot = turn;
    }
  } else if (!dk_ || my_devices_.empty()) {
    units.push_back({-1, "gpu", why_no_devices_});
  } else {
    // One rank per node drives every GPU; several ranks per node split them.
    const int share = ranks_on_host_[ume], mine = local_index_[ume];
    for (const auto& d : my_devices_) {
      if (share > 1 && d.index % share != mine) continue;
      LocalUnit u{d.index, fmt::format("{} {}", d.index, d.name), ""};
      if (!MatchesGpu(suite_, d.name)) {
        u.skipped = fmt::format("the suite is for {}; this device is '{}'", suite_.gpu_name, d.name);
      }
      units.push_back(u);
    }
    if (units.empty()) units.push_back({-1, "gpu", fmt::format("no GPU left for local rank {} of {}", mine, share)});
  }
  return units;
}

std::vector<UnitResult> Runner::GatherLocalUnits(int index, const std::vector<LocalUnit>& units,
                                                 std::vector<std::pair<int, size_t>>* owner) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  // Labels and skip reasons, once.
  std::string desc;
  for (const auto& u : units) desc += u.device_name + kFieldSep + u.skipped + kRecordSep;
  const std::vector<std::string> descs = GatherStrings(comm_, desc);
  std::vector<UnitResult> results;
  if (comm_.rank() != 0) return results;
  for (int r = 0; r < comm_.size(); ++r) {
    size_t k = 0;
    for (const auto& recd : Split(descs[static_cast<size_t>(r)], kRecordSep)) {
      auto f = Split(recd, kFieldSep);
      UnitResult u;
      u.check = index;
      u.host = comm_.ranks()[static_cast<size_t>(r)].host;
      u.node = node_of_[static_cast<size_t>(r)];
      u.device = f.empty() ? "" : f[0];
      u.data.skipped = f.size() > 1 ? f[1] : "";
      if (c.on_gpu || c.scope == Scope::kDevice) {
        u.ranks = {r};
      } else {
        for (int q = 0; q < comm_.size(); ++q) {
          if (node_of_[static_cast<size_t>(q)] == u.node) u.ranks.push_back(q);
        }
      }
      u.label = c.on_gpu ? fmt::format("rank {} ({}, GPU {})", r, u.host, u.device)
                         : fmt::format("node {} (rank {})", u.node, r);
      u.data.label = u.label;
      u.data.peer_group = c.on_gpu && c.scope == Scope::kDevice ? u.node : "";
      results.push_back(std::move(u));
      owner->emplace_back(r, k++);
    }
  }
  return results;
}

std::vector<Round> Runner::MeasureMyUnits(const Check& c, int slot, int slots, bool measuring,
                                          std::vector<LocalUnit>* units) {
  const MeasureOptions mo = Options();
  std::vector<Round> mine(units->size());
  for (int s = 0; s < slots; ++s) {
    if (s == slot && measuring && !Interrupted()) {
      for (size_t i = 0; i < units->size(); ++i) {
        LocalUnit& u = (*units)[i];
        if (!u.skipped.empty()) continue;
        mine[i] = c.on_gpu ? MeasureDevice(*dk_, u.device, c, mo, &u.skipped) : MeasureHost(c, mo);
      }
    }
    if (slots > 1) QuietBarrier(comm_, timeout_s_, fmt::format("check '{}' slot {}", c.name, s), keep_);
  }
  return mine;
}

std::vector<int> Runner::JudgeLocalRound(int index, int round, double round_start, const std::vector<double>& all,
                                         size_t max_units, const std::vector<std::pair<int, size_t>>& owner,
                                         std::vector<UnitResult>* results) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  // A rank that stopped during the round and came back (the progress
  // watchdog missed its beats) measured its own stop: its round is
  // discarded, never judged (the unit is judged on its other rounds).
  const std::vector<int> stalled = comm_.SilentRanks(round_start, SteadySeconds());
  for (size_t k = 0; k < results->size(); ++k) {
    const auto [r, i] = owner[k];
    const double* p = &all[(static_cast<size_t>(r) * max_units + i) * kRecord];
    if (p[9] == 0) continue;
    if (std::find(stalled.begin(), stalled.end(), r) != stalled.end()) {
      if (o_.progress) {
        o_.progress(fmt::format("{}: round {} of {} discarded: rank {} stopped during it and resumed", c.name,
                                round + 1, (*results)[k].label, r));
      }
      continue;
    }
    AddRound(&(*results)[k], FromRecord(p));
  }
  std::vector<UnitData> data;
  for (const auto& u : *results) data.push_back(u.data);
  const std::vector<UnitVerdict> v = Judge(c.judge, data);
  std::set<int> ranks;
  for (size_t k = 0; k < results->size(); ++k) {
    (*results)[k].verdict = v[k];
    if (v[k].needs_more) ranks.insert(owner[k].first);
  }
  return {ranks.begin(), ranks.end()};
}

void Runner::FinishLocalCheck(int index, const std::vector<LocalUnit>& units,
                              const std::vector<std::pair<int, size_t>>& owner, std::vector<UnitResult>* results) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  // Units skipped at run time (a device that cannot run the dtype) say why.
  std::string late;
  for (const auto& u : units) late += u.skipped + kRecordSep;
  const std::vector<std::string> lates = GatherStrings(comm_, late);
  if (comm_.rank() != 0) return;
  for (size_t k = 0; k < results->size(); ++k) {
    auto f = Split(lates[static_cast<size_t>(owner[k].first)], kRecordSep);
    if (owner[k].second < f.size() && !f[owner[k].second].empty()) (*results)[k].data.skipped = f[owner[k].second];
  }
  std::vector<UnitData> data;
  for (const auto& u : *results) data.push_back(u.data);
  const std::vector<UnitVerdict> v = Judge(c.judge, data);
  for (size_t k = 0; k < results->size(); ++k) {
    (*results)[k].verdict = v[k];
    rep_.units.push_back(std::move((*results)[k]));
  }
}

// Passive health: each node's first rank reads its host (acceptance/health.h);
// rank 0 makes one unit per node and aspect, judged as read (no rounds).
void Runner::RunHealthCheck(int index) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int me = comm_.rank();
  bool first_of_node = true;
  for (int r = 0; r < me; ++r) first_of_node &= node_of_[static_cast<size_t>(r)] != node_of_[static_cast<size_t>(me)];
  std::string mine;
  if (first_of_node) {
    for (const auto& f : ProbeHealth(c.health)) {
      mine += fmt::format("{}{}{}{}{}{}{}{}{}{}{}{}", f.aspect, kFieldSep, static_cast<int>(f.failure), kFieldSep,
                          f.ok ? 1 : 0, kFieldSep, f.skipped, kFieldSep, f.plain, kFieldSep, f.details, kRecordSep);
    }
  }
  std::vector<std::string> all = GatherStrings(comm_, mine);
  if (me != 0) return;
  for (int r = 0; r < comm_.size(); ++r) {
    for (const auto& recd : Split(all[static_cast<size_t>(r)], kRecordSep)) {
      auto f = Split(recd, kFieldSep);
      if (f.size() < 5) continue;
      f.resize(6);  // getline drops a trailing empty field (no details)
      UnitResult u;
      u.check = index;
      u.host = comm_.ranks()[static_cast<size_t>(r)].host;
      u.node = node_of_[static_cast<size_t>(r)];
      u.device = f[0];
      for (int q = 0; q < comm_.size(); ++q) {
        if (node_of_[static_cast<size_t>(q)] == u.node) u.ranks.push_back(q);
      }
      u.label = fmt::format("node {} {}", u.node, f[0]);
      u.data.label = u.label;
      UnitVerdict& v = u.verdict;
      v.rounds = 1;
      if (!f[3].empty()) {
        u.data.skipped = f[3];
        v.verdict = Verdict::kSkipped;
        v.reason = fmt::format("{}: {}: skipped: {}", c.name, f[0], f[3]);
        v.plain = fmt::format("{}: {} not checked ({})", c.name, f[0], f[3]);
        v.failure = Failure::kNotMeasured;
      } else if (f[2] == "1") {
        v.verdict = Verdict::kPass;
        v.value = 1;
        u.data.values = {1};
        v.plain = fmt::format("{}: {}", c.name, f[4]);  // what was found, for the health table
      } else {
        v.verdict = c.judge.severity == Severity::kCritical ? Verdict::kFail : Verdict::kWarn;
        v.missed_rounds = 1;
        v.bound = "health";
        u.data.values = {0};
        v.plain = fmt::format("{}: {}", c.name, f[4]);
        v.reason = fmt::format("{}: {}: {}; read: {}", c.name, f[0], f[4], f[5]);
        v.failure = static_cast<Failure>(std::atoi(f[1].c_str()));
      }
      rep_.units.push_back(std::move(u));
    }
  }
}

namespace {

// A fabric check as the collectives harness runs it: one size, `iters`
// timed ops, out of place, the check's split; the injected slow rank enters
// each op late.
coll::BenchOptions FabricBenchOptions(const Check& c, double timeout_s, const RunOptions& o) {
  coll::BenchOptions b;
  b.ops = {coll::ParseOp(c.benchmark)};
  b.min_bytes = b.max_bytes = static_cast<size_t>(c.bytes);
  b.iters = c.iters;
  b.warmup = 2;
  b.checks = 1;
  b.dtype = coll::ParseDataType(c.dtype);
  b.in_place = false;
  b.split = c.split;
  b.timeout_s = timeout_s;
  b.slow_rank = o.slow_rank;
  b.slow_fraction = o.slow_fraction;
  return b;
}

// One group's round from the harness's report: its bus bandwidth and times
// (with a split, the group `color`'s), no samples when nothing was measured.
Round GroupRound(const Check& c, const coll::BenchReport& rep, int color) {
  Round r;
  r.samples = c.iters;
  if (!c.split.empty()) {
    for (const auto& g : rep.groups) {
      if (g.in_place || g.group != color) continue;
      r.value = g.busbw;
      r.median_s = r.min_s = r.max_s = g.time_s;
      r.wrong = g.wrong;
    }
  } else if (!rep.results.empty()) {
    const auto& t = rep.results.front().out_of_place;
    r.value = t.busbw;
    r.median_s = t.time_s;
    r.min_s = t.rank_time.min;
    r.max_s = t.rank_time.max;
    r.wrong = t.wrong;
  } else {
    r.samples = 0;
  }
  r.checked = static_cast<int64_t>(c.bytes);
  r.interrupted = rep.interrupted;
  return r;
}

}  // namespace

void Runner::RunFabricCheck(int index) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int n = comm_.size();
  if (n < 2) return SkipCheck(index, fmt::format("{} needs at least 2 ranks; the job has {}", c.benchmark, n));
  if (c.backend == "nccl" && !OpenNccl()) return SkipCheck(index, why_no_nccl_);
  // Groups: colors as --split assigns them (identical on every rank).
  std::map<int, std::vector<int>> groups;
  for (int r = 0; r < n; ++r) groups[c.split.empty() ? 0 : coll::SplitColor(c.split, comm_.ranks(), r)].push_back(r);
  for (const auto& [color, members] : groups) {
    if (members.size() < 2) {
      return SkipCheck(index, fmt::format("split {} gives group {} a single rank (rank {}); nothing to measure",
                                          c.split, color, members.front()));
    }
  }
  coll::BenchOptions b = FabricBenchOptions(c, timeout_s_, o_);
  // The measuring communicator: the job's own (MPI, loopback) or NCCL's over
  // the same ranks in the same order (its Run calls back on this thread).
  auto bench = [&](const std::function<void(coll::Communicator&)>& body) {
    if (c.backend == "nccl") {
      nccl_->Run(body);
    } else {
      body(comm_);
    }
  };
  bench([&](coll::Communicator& m) { coll::ValidateOptions(&b, m); });
  std::vector<int> colors;  // rank 0: per result, its group
  std::vector<UnitResult> results = FabricGroupUnits(index, groups, &colors);
  const int max_rounds = c.rounds + c.judge.repeats - 1;
  for (int round = 0; round < max_rounds && !stop_; ++round) {
    coll::BenchReport rep;
    bench([&](coll::Communicator& m) { rep = coll::RunBenchmark(m, b, nullptr); });
    int more = 0;
    if (comm_.rank() == 0) {
      for (size_t k = 0; k < results.size(); ++k) AddRound(&results[k], GroupRound(c, rep, colors[k]));
      std::vector<UnitData> data;
      for (const auto& u : results) data.push_back(u.data);
      std::vector<UnitVerdict> v = Judge(c.judge, data);
      for (size_t k = 0; k < results.size(); ++k) {
        results[k].verdict = v[k];
        more |= v[k].needs_more;
      }
    }
    stop_ = rep.interrupted || AnyInterrupted(comm_);
    if (stop_ || round + 1 >= max_rounds) break;
    if (round + 1 < c.rounds) continue;
    if (comm_.Broadcast(more) == 0) break;
  }
  for (auto& u : results) rep_.units.push_back(std::move(u));
}

std::vector<UnitResult> Runner::FabricGroupUnits(int index, const std::map<int, std::vector<int>>& groups,
                                                 std::vector<int>* colors) const {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  std::vector<UnitResult> results;
  if (comm_.rank() != 0) return results;
  for (const auto& [color, members] : groups) {
    UnitResult u;
    u.check = index;
    u.ranks = members;
    std::set<std::string> hs;
    for (int r : members) hs.insert(comm_.ranks()[static_cast<size_t>(r)].host);
    for (const auto& h : hs) u.host += (u.host.empty() ? "" : ",") + h;
    u.node = groups.size() == 1 ? "job" : fmt::format("group {}", color);
    u.device = "";
    std::string list;
    for (int r : members) list += (list.empty() ? "" : ",") + std::to_string(r);
    u.label = fmt::format("{} (ranks {})", u.node, list);
    u.data.label = u.label;
    if (c.judged_by_model()) {
      std::vector<coll::RankInfo> infos;
      for (int r : members) infos.push_back(comm_.ranks()[static_cast<size_t>(r)]);
      const ModelFigure m = o_.expect_model ? o_.expect_model(c, infos)
                                            : ModelFigure{0, "validate was given no model (no cluster, no profile)"};
      u.data.model = m.value;
      u.data.model_how = m.how;
    }
    results.push_back(std::move(u));
    colors->push_back(color);
  }
  return results;
}

// ---------------------------------------------------------------- fabric localisation (issue 19)

// Fabric nodes in the order of their first ranks; a rank's rail is its index
// among its node's ranks (one rank per GPU: GPU k of every node drives rail k).
void Runner::FabricNodes() {
  if (!fabric_nodes_.empty()) return;
  const int n = comm_.size();
  fabric_node_of_.assign(static_cast<size_t>(n), -1);
  rail_of_.assign(static_cast<size_t>(n), 0);
  std::map<std::string, int> index;
  for (int r = 0; r < n; ++r) {
    const std::string& node = node_of_[static_cast<size_t>(r)];
    auto [it, fresh] = index.emplace(node, static_cast<int>(fabric_nodes_.size()));
    if (fresh) {
      fabric_nodes_.push_back(node);
      node_ranks_.emplace_back();
    }
    auto& ranks = node_ranks_[static_cast<size_t>(it->second)];
    fabric_node_of_[static_cast<size_t>(r)] = it->second;
    rail_of_[static_cast<size_t>(r)] = static_cast<int>(ranks.size());
    ranks.push_back(r);
    rails_ = std::max(rails_, static_cast<int>(ranks.size()));
  }
  if (comm_.rank() == 0) rep_.fabric_nodes = fabric_nodes_;
}

namespace {

// What a rank sends in a pairs exchange: bytes a receiver can check against
// the sender's rank without a second message.
unsigned char PairByte(size_t i, int rank) {
  return static_cast<unsigned char>((i * 131 + static_cast<size_t>(rank) * 7 + 1) & 0xff);
}

// --inject slowlink/slownic on a pair: the sleep that the pair's lower rank
// takes after each exchange, inside the timed region, so that the pair's
// exchanges take 1 / (1 - F) of their own time: F/(1-F) x the pair's median
// of three exchanges (the slower end's, agreed over the pair). 0 on the other
// rank and on pairs no injection touches. A fixed sleep, not one in
// proportion to each exchange: the partner's wait for the sleeper would enter
// the next exchange's time and the sleeps would compound, and the rank that
// arrives last finds its exchange already half done.
double InjectedSleep(coll::Communicator& comm, const FabricInjections& inj, int partner,
                     const std::function<void()>& exchange) {
  const int me = comm.rank();
  const double frac = SlowFraction(inj, {me, partner});
  if (frac <= 0) return 0;
  std::vector<double> base;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = Clock::now();
    exchange();
    base.push_back(Since(t0));
  }
  double mine = Median(base), theirs = 0;
  comm.SendRecv(&mine, partner, &theirs, partner, sizeof(double));
  comm.Wait();
  return me < partner ? std::max(mine, theirs) * frac / (1 - frac) : 0;
}

std::string Percent(double ratio) { return fmt::format("{:.0f}%", ratio * 100); }

std::vector<PairValue> PairValues(const std::vector<PairMeasurement>& measured) {
  std::vector<PairValue> v;
  for (const auto& p : measured) v.push_back({p.a, p.b, p.rail, p.value});
  return v;
}

// A confirmation plan's rounds as ints for BroadcastInts: per round its pair
// count, its pairs, its yardstick; and back.
std::vector<int> EncodeRounds(const std::vector<ConfirmationRound>& rounds) {
  std::vector<int> out;
  for (const auto& r : rounds) {
    out.push_back(static_cast<int>(r.pairs.size()));
    for (const auto& [a, b] : r.pairs) out.insert(out.end(), {a, b});
    out.insert(out.end(), {r.yardstick.first, r.yardstick.second});
  }
  return out;
}

std::vector<ConfirmationRound> DecodeRounds(const std::vector<int>& in) {
  std::vector<ConfirmationRound> rounds;
  for (size_t at = 0; at < in.size();) {
    ConfirmationRound r;
    r.pairs.resize(static_cast<size_t>(in[at++]));
    for (auto& [a, b] : r.pairs) {
      a = in[at++];
      b = in[at++];
    }
    r.yardstick = {in[at], in[at + 1]};
    at += 2;
    rounds.push_back(std::move(r));
  }
  return rounds;
}

// A healthy pair now stands for the rail's median pair of the rounds: the
// confirmation's figures are scaled by that median over the yardsticks'
// median figure (per rail, over the whole confirmation, so that one
// disturbed yardstick does not decide a pair: on shared cores one varies
// 3x). With a healthy fleet median and equal conditions the factor is
// about 1 (the simulation's confirmation); when the median itself holds
// slow pairs (a small fleet, half of whose pairs are the culprit's) the
// culprit still compares with a healthy pair.
std::vector<PairMeasurement> RescaleToYardsticks(std::vector<PairMeasurement> pending,
                                                 const std::map<int, std::vector<double>>& beside,
                                                 const std::map<int, double>& rail_median) {
  for (auto& p : pending) {
    const auto y = beside.find(p.rail);
    const auto m = rail_median.find(p.rail);
    if (y != beside.end() && m != rail_median.end() && p.value > 0) {
      p.beside = Median(y->second);
      if (p.beside > 0) p.value = p.value / p.beside * m->second;
    }
  }
  return pending;
}

// After the confirmation: of the pairs that were slow, those still slow
// with its measurements are confirmed, the others cleared.
void CountConfirmed(const std::vector<PairToConfirm>& slow, const std::vector<PairMeasurement>& measured,
                    double slow_ratio, const std::vector<std::string>& node_names, PairConfirmation* pc) {
  std::set<std::tuple<int, int, int>> still;
  for (const auto& p : SlowPairs(PairValues(measured), slow_ratio)) still.insert({p.a, p.b, p.rail});
  for (const auto& p : slow) {
    if (still.count({p.a, p.b, p.rail})) {
      ++pc->confirmed;
      pc->confirmed_pairs.push_back(fmt::format("{}<->{}/rail {}", node_names[static_cast<size_t>(p.a)],
                                                node_names[static_cast<size_t>(p.b)], p.rail));
    } else {
      ++pc->cleared;
    }
  }
}

FabricCulprit CulpritOf(int index, const acceptance::Culprit& f) {
  FabricCulprit fc;
  fc.check = index;
  fc.method = "pairs";
  fc.kind = acceptance::CulpritKindName(f.kind);
  fc.name = f.name;
  fc.node = f.node;
  fc.rail = f.rail;
  fc.a = f.a;
  fc.b = f.b;
  fc.supporting = f.supporting_pairs;
  fc.examined = f.examined_pairs;
  fc.ratio = f.ratio;
  fc.reason = f.reason;
  return fc;
}

}  // namespace

// --inject slowlink/slownic name ranks; a link joins two ranks that a pairs
// check pairs (different nodes, the same rail). The same answer on every rank.
void Runner::CheckFabricInjections() {
  const FabricInjections& inj = o_.fabric_injections;
  if (inj.empty()) return;
  FabricNodes();
  const int n = comm_.size();
  for (const auto& l : inj.links) {
    const std::string text = fmt::format("--inject slowlink:{}:{}:{:g}", l.a, l.b, l.fraction);
    if (l.a >= n || l.b >= n)
      throw UsageError(fmt::format("{}: rank {} is outside the job ({} rank(s))", text, std::max(l.a, l.b), n));
    const size_t a = static_cast<size_t>(l.a), b = static_cast<size_t>(l.b);
    if (fabric_node_of_[a] == fabric_node_of_[b]) {
      throw UsageError(fmt::format("{}: ranks {} and {} are on one node ({}): a fabric link joins two nodes", text, l.a,
                                   l.b, fabric_nodes_[static_cast<size_t>(fabric_node_of_[a])]));
    }
    if (rail_of_[a] != rail_of_[b]) {
      throw UsageError(fmt::format("{}: rank {} is on rail {} and rank {} on rail {}: pairs meet on one rail", text,
                                   l.a, rail_of_[a], l.b, rail_of_[b]));
    }
  }
  for (const auto& nic : inj.nics) {
    if (nic.rank >= n) {
      throw UsageError(fmt::format("--inject slownic:{}:{:g}: rank {} is outside the job ({} rank(s))", nic.rank,
                                   nic.fraction, nic.rank, n));
    }
  }
}

void Runner::AddCulpritUnit(int index, const FabricCulprit& f, double value, double expected) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  UnitResult u;
  u.check = index;
  if (f.kind == "node" || f.kind == "nic") {
    const auto& ranks = node_ranks_[static_cast<size_t>(f.node)];
    u.node = fabric_nodes_[static_cast<size_t>(f.node)];
    u.host = comm_.ranks()[static_cast<size_t>(ranks.front())].host;
    u.ranks = f.kind == "nic" && f.rail >= 0 && f.rail < static_cast<int>(ranks.size())
                  ? std::vector<int>{ranks[static_cast<size_t>(f.rail)]}
                  : ranks;
    u.device = f.kind == "nic" ? fmt::format("rail {}", f.rail) : "";
  } else {
    // A link or a pair: no node is to blame, so no rank takes the verdict (no
    // node is drained); the cluster's status and the headline still say it.
    u.node = f.name;
    u.host = "";
  }
  u.label = fmt::format("{} {}", f.kind, f.name);
  u.data.label = u.label;
  u.data.values = {value};
  UnitVerdict& v = u.verdict;
  v.verdict = c.judge.severity == Severity::kCritical ? Verdict::kFail : Verdict::kWarn;
  v.value = value;
  v.expected = expected;
  v.bound = f.method;
  v.rounds = f.examined;
  v.missed_rounds = f.supporting;
  const std::string evidence =
      fmt::format("{} of {} {} slow", f.supporting, f.examined, f.method == "pairs" ? "pairs" : "groups with it");
  v.reason = fmt::format("{}: {} {} ({}): {}; {}, at {} of the fleet's", c.name, f.kind, f.name, f.method, f.reason,
                         evidence, Percent(f.ratio));
  v.plain = fmt::format("{}: the {} {} is slow: {} ({})", c.name, f.kind, f.name, f.reason, evidence);
  v.failure = f.kind == "node" ? Failure::kSlow : Failure::kNic;
  u.culprit = true;
  rep_.culprits.push_back(f);
  rep_.units.push_back(std::move(u));
}

void Runner::MeasurePairs(int index, const Matching& m, int round, int batch, bool confirm, void* send, void* recv,
                          const std::string& what, std::vector<PairMeasurement>* measured) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const size_t bytes = static_cast<size_t>(c.bytes);
  constexpr size_t kFields = 3;  // median time, samples, wrong bytes
  comm_.Progress(what);
  const int me = comm_.rank();
  const int my_node = fabric_node_of_[static_cast<size_t>(me)];
  const size_t my_rail = static_cast<size_t>(rail_of_[static_cast<size_t>(me)]);
  int partner = -1;
  for (const auto& [a, b] : m) {
    const int other = a == my_node ? b : b == my_node ? a : -1;
    if (other >= 0 && my_rail < node_ranks_[static_cast<size_t>(other)].size())
      partner = node_ranks_[static_cast<size_t>(other)][my_rail];
  }
  double median = 0;
  int64_t samples = 0, wrong = 0;
  if (partner >= 0) {
    // Both ends run the same loop, so each exchange starts together; a
    // rank that is interrupted finishes its few exchanges (its partner
    // waits for them) and the ranks agree to stop after the round.
    comm_.SendRecv(send, partner, recv, partner, bytes);  // warm-up
    comm_.Wait();
    const double sleep_s = InjectedSleep(comm_, o_.fabric_injections, partner, [&] {
      comm_.SendRecv(send, partner, recv, partner, bytes);
      comm_.Wait();
    });
    std::vector<double> times;
    for (int i = 0; i < c.iters; ++i) {
      const auto t0 = Clock::now();
      comm_.SendRecv(send, partner, recv, partner, bytes);
      comm_.Wait();
      if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
      times.push_back(Since(t0));
    }
    std::vector<unsigned char> got(bytes);
    comm_.Download(got.data(), recv, bytes);
    for (size_t i = 0; i < bytes; ++i) wrong += got[i] != PairByte(i, partner);
    // The median exchange, or with `statistic: best` the fastest: an
    // exchange the scheduler did not interrupt (ranks sharing cores). An
    // injected slowdown stretches every exchange, the fastest too.
    median = c.best_statistic ? *std::min_element(times.begin(), times.end()) : Median(times);
    samples = static_cast<int64_t>(times.size());
  }
  // The ranks without a partner (a bye, a missing rail, another batch) wait quietly.
  QuietBarrier(comm_, timeout_s_, what, keep_);
  std::vector<double> all = comm_.Gather({median, static_cast<double>(samples), static_cast<double>(wrong)});
  if (me == 0) {
    for (const auto& [a, b] : m) {
      const auto& ra = node_ranks_[static_cast<size_t>(a)];
      const auto& rb = node_ranks_[static_cast<size_t>(b)];
      for (size_t rail = 0; rail < ra.size() && rail < rb.size(); ++rail) {
        const double* pa = &all[static_cast<size_t>(ra[rail]) * kFields];
        const double* pb = &all[static_cast<size_t>(rb[rail]) * kFields];
        PairMeasurement p;
        p.check = index;
        p.round = round;
        p.batch = batch;
        p.confirm = confirm;
        p.rail = static_cast<int>(rail);
        p.a = a;
        p.b = b;
        p.rank_a = ra[rail];
        p.rank_b = rb[rail];
        p.time_s = std::max(pa[0], pb[0]);  // the pair is as fast as its slower end
        p.samples = static_cast<int64_t>(std::min(pa[1], pb[1]));
        p.wrong = static_cast<int64_t>(pa[2] + pb[2]);
        p.value = p.time_s > 0 && p.samples > 0 ? static_cast<double>(bytes) / p.time_s : 0;
        measured->push_back(p);
      }
    }
  }
  stop_ = AnyInterrupted(comm_);
}

// The confirmation round (suite key confirm, on by default: it measures only
// pairs already slow, so a healthy fleet pays nothing). Rank 0 picks the
// (pair, rail)s slow after the rounds (fabric.h SlowPairs, Localize's rule)
// and plans the rounds: each node pair ConfirmRepeats times more, beside at
// most a quarter of a batch's pairs that share no node (and, with the
// topology, no switch), so that its new measurements are nearly alone on the
// fabric and are the majority of its median, plus one healthy pair
// (ReferencePair) as the round's yardstick: the confirmation's figures are
// scaled by the rail's median pair over the yardsticks' median figure, so a
// round of few pairs, faster than a crowded batch (less contention; on shared
// cores more CPU), neither clears a culprit nor condemns a healthy pair.
void Runner::ConfirmSlowPairs(int index, const FabricTopology& topo, int first_round, void* send, void* recv,
                              std::vector<PairMeasurement>* measured) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int me = comm_.rank();
  PairConfirmation pc;
  pc.check = index;
  pc.batches = c.batches;
  pc.enabled = c.confirm;
  ConfirmationPlan plan;  // rank 0 alone has the figures
  if (me == 0) {
    plan = PlanConfirmation(PairValues(*measured), c.slow_ratio, static_cast<int>(fabric_nodes_.size()), c.batches,
                            topo.switch_of);
  }
  pc.selected = static_cast<int>(plan.slow.size());
  if (c.confirm && !stop_) {
    // Every rank learns the plan.
    const std::vector<ConfirmationRound> rounds = DecodeRounds(BroadcastInts(comm_, EncodeRounds(plan.rounds)));
    const int repeats = static_cast<int>(comm_.Broadcast(static_cast<double>(plan.repeats)));
    std::vector<PairMeasurement> pending;       // rank 0: the confirmation's figures, as measured
    std::map<int, std::vector<double>> beside;  // rank 0, per rail: the yardsticks' figures
    pc.rounds = MeasureConfirmation(index, rounds, first_round, send, recv, &pending, &beside);
    for (auto& p : RescaleToYardsticks(pending, beside, plan.rail_median)) measured->push_back(p);
    pc.repeats = pc.rounds > 0 ? repeats : 0;
  }
  if (me != 0) return;
  if (pc.rounds > 0) CountConfirmed(plan.slow, *measured, c.slow_ratio, fabric_nodes_, &pc);
  if (o_.progress && pc.selected > 0) {
    o_.progress(pc.rounds > 0 ? fmt::format("{}: confirmation: {} slow pair(s) measured {} more time(s) in {} "
                                            "round(s): {} confirmed slow, {} cleared",
                                            c.name, pc.selected, pc.repeats, pc.rounds, pc.confirmed, pc.cleared)
                              : fmt::format("{}: {} slow pair(s) not confirmed ({})", c.name, pc.selected,
                                            c.confirm ? "interrupted" : "confirm: false"));
  }
  rep_.confirmations.push_back(std::move(pc));
}

int Runner::MeasureConfirmation(int index, const std::vector<ConfirmationRound>& rounds, int first_round, void* send,
                                void* recv, std::vector<PairMeasurement>* pending,
                                std::map<int, std::vector<double>>* beside) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int n = static_cast<int>(rounds.size());
  int measured = 0;
  for (int k = 0; k < n && !stop_; ++k) {
    const ConfirmationRound& round = rounds[static_cast<size_t>(k)];
    Matching with = round.pairs;
    if (round.yardstick.first >= 0) with.push_back(round.yardstick);
    std::vector<PairMeasurement> got;
    MeasurePairs(index, with, first_round + k, 0, true, send, recv,
                 fmt::format("check '{}' confirmation round {} of {}", c.name, k + 1, n), &got);
    ++measured;
    if (comm_.rank() != 0) continue;
    for (const auto& p : got) {
      if (std::make_pair(p.a, p.b) != round.yardstick) {
        pending->push_back(p);
      } else if (p.value > 0) {
        (*beside)[p.rail].push_back(p.value);
      }
    }
  }
  return measured;
}

void Runner::RunPairsCheck(int index) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  FabricNodes();
  const int nodes = static_cast<int>(fabric_nodes_.size());
  if (nodes < 2) {
    return SkipCheck(index, fmt::format("pairs needs at least 2 nodes; the job has {} (--nodes rank makes each rank "
                                        "a node)",
                                        nodes));
  }
  // The suite cluster's topology, when the caller gives one: sampled rounds
  // pair across switches first, and localisation gets the routes.
  FabricTopology topo;
  if (o_.topology) topo = o_.topology(nodes, rails_);
  if (comm_.rank() == 0 && o_.progress && !topo.note.empty()) o_.progress(fmt::format("{}: {}", c.name, topo.note));
  const std::vector<Matching> schedule = PairsSchedule(nodes, c.pair_rounds, c.passes, c.seed, topo.switch_of);
  const int me = comm_.rank();
  const size_t bytes = static_cast<size_t>(c.bytes);
  std::vector<unsigned char> host(bytes);
  for (size_t i = 0; i < bytes; ++i) host[i] = PairByte(i, me);
  void* send = comm_.Alloc(bytes);
  void* recv = comm_.Alloc(bytes);
  comm_.Upload(send, host.data(), bytes);
  std::vector<PairMeasurement> measured;  // rank 0
  MeasurePairRounds(index, schedule, topo, send, recv, &measured);
  ConfirmSlowPairs(index, topo, static_cast<int>(schedule.size()), send, recv, &measured);
  comm_.Free(send);
  comm_.Free(recv);
  if (me == 0) JudgePairs(index, topo, static_cast<int>(schedule.size()), measured);
}

void Runner::MeasurePairRounds(int index, const std::vector<Matching>& schedule, const FabricTopology& topo, void* send,
                               void* recv, std::vector<PairMeasurement>* measured) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  // `batches`: each round's pairs in G batches, one after another, so that
  // fewer pairs share a link at once (fabric.h SplitIntoBatches; by switch
  // when the topology is known, else round-robin).
  for (size_t k = 0; k < schedule.size() && !stop_; ++k) {
    const std::vector<Matching> batches = SplitIntoBatches(schedule[k], c.batches, topo.switch_of);
    for (size_t b = 0; b < batches.size() && !stop_; ++b) {
      const std::string what = batches.size() > 1
                                   ? fmt::format("check '{}' round {} of {}, batch {} of {}", c.name, k + 1,
                                                 schedule.size(), b + 1, batches.size())
                                   : fmt::format("check '{}' round {} of {}", c.name, k + 1, schedule.size());
      MeasurePairs(index, batches[b], static_cast<int>(k), static_cast<int>(b), false, send, recv, what, measured);
    }
    if (comm_.rank() == 0 && o_.progress && (k + 1) % std::max<size_t>(1, schedule.size() / 4) == 0) {
      o_.progress(fmt::format("{}: {} of {} round(s) of pairs measured", c.name, k + 1, schedule.size()));
    }
  }
}

// Rank 0: localise from the matrix (localize.h), then one unit per culprit
// and one per node that no culprit names.
void Runner::JudgePairs(int index, const FabricTopology& topo, int rounds,
                        const std::vector<PairMeasurement>& measured) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int nodes = static_cast<int>(fabric_nodes_.size());
  acceptance::LocalizeInput in;
  in.nodes = fabric_nodes_;
  in.rails = rails_;
  in.slow_ratio = c.slow_ratio;
  in.route = topo.route;
  std::vector<double> values;
  for (const auto& p : measured) {
    if (p.value <= 0) continue;
    in.samples.push_back({p.a, p.b, p.rail, p.value * 8 / 1e9});
    values.push_back(p.value);
  }
  const double fleet = values.empty() ? 0 : Median(values);
  const std::vector<acceptance::Culprit> found =
      in.samples.empty() ? std::vector<acceptance::Culprit>{} : acceptance::Localize(in);
  std::set<int> named;
  for (const auto& f : found) {
    const FabricCulprit fc = CulpritOf(index, f);
    const bool of_node = fc.kind == "node" || fc.kind == "nic";
    if (of_node && (fc.node < 0 || fc.node >= nodes)) continue;
    if (of_node) named.insert(fc.node);
    AddCulpritUnit(index, fc, f.ratio * fleet, c.slow_ratio * fleet);
  }
  for (int i = 0; i < nodes; ++i) {
    if (!named.count(i)) rep_.units.push_back(NodePairsUnit(index, i, measured, fleet));
  }
  for (auto& p : measured) rep_.pairs.push_back(p);
  if (o_.progress) {
    o_.progress(fmt::format("{}: {} pair(s) in {} round(s), median {} each way; {} culprit(s)", c.name, values.size(),
                            rounds, FormatQuantity(fleet, Dimension::kBandwidth), found.size()));
  }
}

// A node no culprit names: PASS with the median of its pairs, FAIL on wrong
// bytes whatever the speed, SKIPPED when none of its pairs was measured.
UnitResult Runner::NodePairsUnit(int index, int node, const std::vector<PairMeasurement>& measured,
                                 double fleet) const {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  std::vector<double> mine;
  int64_t wrong = 0;
  for (const auto& p : measured) {
    if (p.a != node && p.b != node) continue;
    if (p.value > 0) mine.push_back(p.value);
    wrong += p.wrong;
  }
  const auto& ranks = node_ranks_[static_cast<size_t>(node)];
  UnitResult u;
  u.check = index;
  u.node = fabric_nodes_[static_cast<size_t>(node)];
  u.host = comm_.ranks()[static_cast<size_t>(ranks.front())].host;
  u.ranks = ranks;
  u.label = fmt::format("node {} (its pairs)", u.node);
  u.data.label = u.label;
  UnitVerdict& v = u.verdict;
  if (mine.empty()) {
    u.data.skipped = stop_ ? "not run: interrupted" : "no pair of this node was measured";
    v = Judge(c.judge, {u.data}).front();
  } else {
    u.data.values = {Median(mine)};
    v.verdict = Verdict::kPass;
    v.value = Median(mine);
    v.expected = c.slow_ratio * fleet;
    v.bound = "pairs";
    v.rounds = static_cast<int>(mine.size());
    if (wrong > 0) {
      // Wrong bytes in an exchange: correctness, whatever the speed.
      v.verdict = Verdict::kFail;
      v.failure = Failure::kWrong;
      v.reason = fmt::format("{}: {} byte(s) received wrong in the pairs of node {}", c.name, wrong, u.node);
      v.plain = fmt::format("{}: WRONG RESULTS: {} byte(s) arrived different from what was sent", c.name, wrong);
    }
  }
  Round r;
  r.value = v.value;
  r.samples = static_cast<int64_t>(mine.size());
  r.wrong = wrong;
  u.rounds.push_back(r);
  return u;
}

std::vector<double> Runner::MeasureGroups(const Check& c, const std::vector<std::vector<int>>& groups, int round) {
  const int me = comm_.rank();
  const int my_node = fabric_node_of_[static_cast<size_t>(me)];
  int color = static_cast<int>(groups.size());  // not in a group this round: waits
  for (size_t g = 0; g < groups.size(); ++g) {
    if (std::find(groups[g].begin(), groups[g].end(), my_node) != groups[g].end()) color = static_cast<int>(g);
  }
  const std::string what = fmt::format("check '{}' bisection round {}", c.name, round + 1);
  comm_.Progress(what);
  const coll::OpKind op = coll::ParseOp(c.benchmark);
  const coll::DataType t = coll::ParseDataType(c.dtype);
  double median = 0;
  int64_t wrong = 0;
  {
    std::unique_ptr<coll::Communicator> sub = comm_.Split(color, me);
    if (color < static_cast<int>(groups.size())) {
      const int n = sub->size();
      const size_t size = coll::AlignSize(op, static_cast<size_t>(c.bytes), t, n);
      const coll::Counts counts = coll::CountsFor(op, size, t, n);
      const size_t es = coll::SizeOf(t);
      const int root = coll::HasRoot(op) ? 0 : -1;
      void* send = sub->Alloc(std::max<size_t>(counts.send_count * es, 1));
      void* recv = sub->Alloc(std::max<size_t>(counts.recv_count * es, 1));
      std::vector<char> host(std::max<size_t>(counts.send_count * es, 1));
      coll::FillSend(op, coll::RedOp::kSum, t, sub->rank(), n, 0, host.data(), counts, false);
      if (counts.send_count) sub->Upload(send, host.data(), counts.send_count * es);
      std::vector<int> members;
      for (const auto& ri : sub->ranks()) members.push_back(ri.rank);
      sub->Start(op, send, recv, counts, t, coll::RedOp::kSum, root);  // warm-up
      sub->Wait();
      // A slowed group: its first rank sleeps a fixed share of the group's
      // own op time after each op (the others wait for it in the next one).
      double sleep_s = 0;
      const double frac = SlowFraction(o_.fabric_injections, members);
      if (frac > 0) {
        std::vector<double> base;
        for (int i = 0; i < 3; ++i) {
          const auto t0 = Clock::now();
          sub->Start(op, send, recv, counts, t, coll::RedOp::kSum, root);
          sub->Wait();
          base.push_back(Since(t0));
        }
        const double agreed = sub->AllReduceMax(Median(base));
        if (sub->rank() == 0) sleep_s = agreed * frac / (1 - frac);
      }
      std::vector<double> times;
      for (int i = 0; i < c.iters; ++i) {
        const auto t0 = Clock::now();
        sub->Start(op, send, recv, counts, t, coll::RedOp::kSum, root);
        sub->Wait();
        if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
        times.push_back(Since(t0));
      }
      // Verified once, as every timed operation is.
      std::vector<char> out(std::max<size_t>(counts.recv_count * es, 1));
      if (counts.recv_count) sub->Download(out.data(), recv, counts.recv_count * es);
      wrong = coll::CountWrong(op, coll::RedOp::kSum, t, sub->rank(), n, 0, out.data(), counts);
      sub->Free(send);
      sub->Free(recv);
      median = c.best_statistic ? *std::min_element(times.begin(), times.end()) : Median(times);
    }
  }
  QuietBarrier(comm_, timeout_s_, what, keep_);
  std::vector<double> all = comm_.Gather({static_cast<double>(color), median, static_cast<double>(wrong)});
  std::vector<double> figures(groups.size(), 0);
  if (me == 0) {
    std::vector<double> slowest(groups.size(), 0);
    std::vector<int> members(groups.size(), 0);
    for (int r = 0; r < comm_.size(); ++r) {
      const size_t g = static_cast<size_t>(all[static_cast<size_t>(r) * 3]);
      if (g >= groups.size()) continue;
      slowest[g] = std::max(slowest[g], all[static_cast<size_t>(r) * 3 + 1]);
      ++members[g];
    }
    std::string line;
    for (size_t g = 0; g < groups.size(); ++g) {
      const size_t size = coll::AlignSize(op, static_cast<size_t>(c.bytes), t, members[g]);
      figures[g] =
          slowest[g] > 0 ? static_cast<double>(size) / slowest[g] * coll::BusBandwidthFactor(op, members[g]) : 0;
      std::string list;
      for (int x : groups[g]) list += (list.empty() ? "" : ",") + std::to_string(x);
      line +=
          fmt::format("{}{{{}}} {}", line.empty() ? "" : ", ", list, FormatQuantity(figures[g], Dimension::kBandwidth));
    }
    if (o_.progress) o_.progress(fmt::format("{}: bisection round {}: {}", c.name, round + 1, line));
  }
  // Every rank takes the same next step: the figures are rank 0's.
  for (auto& f : figures) f = comm_.Broadcast(f);
  return figures;
}

void Runner::RunBisection(int index) {
  const Check& c = suite_.checks[static_cast<size_t>(index)];
  const int me = comm_.rank();
  FabricNodes();
  int failed = 0;
  if (me == 0) {
    for (auto it = rep_.units.rbegin(); it != rep_.units.rend(); ++it) {
      if (it->check != index) continue;
      failed = it->verdict.verdict == Verdict::kFail || it->verdict.verdict == Verdict::kWarn;
      break;
    }
  }
  failed = static_cast<int>(comm_.Broadcast(static_cast<double>(failed)));
  // A job that passed a bound it could fail needs no search; without an
  // absolute bound a single group cannot fail, so bisection judges it.
  if (!failed && c.judge.thresholds.absolute) return;
  BisectionReport report;
  report.check = index;
  report.triggered_by_failure = failed != 0;
  int round = 0;
  const std::function<std::string(double)> describe = [](double v) { return FormatQuantity(v, Dimension::kBandwidth); };
  BisectionResult res = Bisect(
      static_cast<int>(fabric_nodes_.size()),
      [&](const std::vector<std::vector<int>>& groups) { return MeasureGroups(c, groups, round++); }, c.slow_ratio,
      c.judge.thresholds.absolute, describe, /*max_rounds=*/64, fabric_nodes_);
  stop_ = AnyInterrupted(comm_);
  if (me != 0) return;
  report.rounds = res.rounds;
  report.note = res.note;
  if (report.note.empty() && res.culprits.empty() && failed) {
    report.note =
        "the job failed as a whole but no half, cross group or node was slow against its round: not localised";
  }
  for (const auto& bc : res.culprits) {
    FabricCulprit f;
    f.check = index;
    f.method = "bisection";
    f.kind = bc.link ? "link" : "node";
    f.node = bc.link ? -1 : bc.a;
    f.a = bc.a;
    f.b = bc.b;
    f.name = bc.link ? fmt::format("{}<->{}", fabric_nodes_[static_cast<size_t>(bc.a)],
                                   fabric_nodes_[static_cast<size_t>(bc.b)])
                     : fabric_nodes_[static_cast<size_t>(bc.a)];
    f.reason = bc.reason;
    // Evidence: the rounds whose groups held the culprit (the node, or both
    // ends of the link), and how many of those groups were slow.
    double value = 0, ref = 0;
    for (const auto& r : res.rounds) {
      std::vector<double> sorted = r.figures;  // the round's reference: its upper median (fabric.h)
      std::sort(sorted.begin(), sorted.end());
      const double best = sorted.empty() ? 0 : sorted[sorted.size() / 2];
      for (size_t g = 0; g < r.groups.size(); ++g) {
        const auto& grp = r.groups[g];
        auto has = [&](int x) { return std::find(grp.begin(), grp.end(), x) != grp.end(); };
        if (!(bc.link ? has(bc.a) && has(bc.b) : has(bc.a))) continue;
        ++f.examined;
        if (r.slow[g]) {
          ++f.supporting;
          value = r.figures[g];
          ref = best;
        }
      }
    }
    f.ratio = ref > 0 ? value / ref : 0;
    AddCulpritUnit(index, f, value, c.slow_ratio * ref);
  }
  if (o_.progress) {
    o_.progress(fmt::format("{}: bisection: {} round(s), {} culprit(s){}", c.name, report.rounds.size(),
                            res.culprits.size(), report.note.empty() ? "" : "; " + report.note));
  }
  rep_.bisections.push_back(std::move(report));
}

bool Runner::OpenNccl() {
  if (nccl_tried_) return nccl_ != nullptr;
  nccl_tried_ = true;
  if (!o_.make_nccl) {
    why_no_nccl_ = "this build has no NCCL backend (configure with CB_ENABLE_NCCL)";
    return false;
  }
  if (comm_.backend() != "mpi") {
    why_no_nccl_ = fmt::format("NCCL checks run under mpirun/srun, one rank per GPU; this job's ranks are {} ranks",
                               comm_.backend());
    return false;
  }
  // Every rank gets here at the same check. A failure every rank sees alike
  // (no GPU anywhere: a CPU node given a GPU suite) skips the NCCL checks; a
  // rank the others wait for is named by the NCCL backend's own watchdog.
  std::string why;
  try {
    nccl_ = o_.make_nccl();
  } catch (const Error& e) {
    why = e.what();
  }
  const int64_t failed = comm_.AllReduceSum(why.empty() ? 0 : 1);
  if (failed == 0) {
    if (nccl_->world_size() != comm_.size()) {
      why_no_nccl_ = fmt::format("the NCCL communicator has {} ranks, the job {}", nccl_->world_size(), comm_.size());
      nccl_.reset();
      return false;
    }
    return true;
  }
  nccl_.reset();
  why_no_nccl_ = fmt::format("no NCCL communicator: {} rank(s) could not make one{}{}", failed,
                             why.empty() ? "" : "; this rank: ", why);
  return false;
}

ValidationReport Runner::Run() {
  if (o_.slow_rank >= comm_.size() || o_.corrupt_rank >= comm_.size()) {
    throw UsageError(fmt::format("--inject: rank {} is outside the job ({} rank(s))",
                                 std::max(o_.slow_rank, o_.corrupt_rank), comm_.size()));
  }
  timeout_s_ = o_.timeout_s > 0 ? o_.timeout_s : 60 + 20 * suite_.time_budget_s;
  rep_.suite = suite_;
  rep_.backend = comm_.backend();
  rep_.provenance = o_.provenance;
  Identify();
  CheckFabricInjections();
  for (const auto& c : suite_.checks) planned_total_ += Planned(c);
  // The progress watchdog: a rank that stops during a check (inside a
  // measurement, a gather or a collective) is named by rank 0, which writes
  // the report of the checks done so far before the job ends (exit 6).
  std::mutex kept_mu;
  ValidationReport kept = rep_;
  std::string no_watch;
  bool kept_written = false;  // by the watchdog's thread or an arrival timeout, whichever comes first
  enum class Kept { kStalled, kVanished, kInterrupted };
  auto write_so_far = [&](const std::string& why, Kept kind) {
    std::lock_guard<std::mutex> lock(kept_mu);
    if (kept_written) return;
    kept_written = true;
    ValidationReport so_far = kept;
    so_far.partial = true;
    so_far.stalled = kind == Kept::kStalled;
    so_far.vanished = kind == Kept::kVanished;
    so_far.partial_reason = why + "; checks not run are SKIPPED";
    so_far.elapsed_s = Since(start_);
    so_far.provenance.finished_utc = NowIso8601();
    RollUp(&so_far);
    if (o_.on_stall) o_.on_stall(so_far, why);
  };
  keep_ = [&](const std::string& why) { write_so_far(why, Kept::kStalled); };
  // The interrupt keeper (rank 0): a signal that the ranks do not agree on
  // within the grace (a check is measuring, or a rank was killed and the
  // others wait for it) gets the report so far written from its thread; a
  // rank that did not answer the signal is named.
  coll::InterruptKeeper keeper(comm_, o_.on_stall ? [&](const std::string& vanished) {
    if (vanished.empty()) {
      write_so_far(fmt::format("interrupted by signal {} during a check", InterruptSignal()), Kept::kInterrupted);
    } else {
      write_so_far(vanished, Kept::kVanished);
    }
  } : std::function<void(const std::string&)>());
  comm_.WatchProgress(timeout_s_, keep_, &no_watch);
  struct StopWatching {
    coll::Communicator& c;
    std::function<void(const std::string&)>& keep;
    ~StopWatching() {
      c.StopWatching();
      keep = nullptr;
    }
  } stop_watching{comm_, keep_};
  for (size_t i = 0; i < suite_.checks.size(); ++i) {
    const int idx = static_cast<int>(i);
    const Check& c = suite_.checks[i];
    if (stop_) {
      SkipCheck(idx, "not run: interrupted");
      continue;
    }
    if (comm_.rank() == 0 && o_.progress) {
      o_.progress(fmt::format("[{}/{}] {}: {} ...", i + 1, suite_.checks.size(), c.name, c.Describe()));
    }
    auto t0 = Clock::now();
    comm_.Progress(fmt::format("check '{}'", c.name));
    if (c.is_health()) {
      RunHealthCheck(idx);
    } else if (c.is_pairs()) {
      RunPairsCheck(idx);
    } else if (c.collective()) {
      RunFabricCheck(idx);
      if (c.bisect && !stop_) RunBisection(idx);
    } else {
      RunLocalCheck(idx);
    }
    Progress(idx, Since(t0));
    {
      std::lock_guard<std::mutex> lock(kept_mu);
      kept = rep_;
    }
    if (!stop_) stop_ = AnyInterrupted(comm_);
  }
  keeper.Finish();
  if (comm_.rank() != 0) return {};
  {
    std::lock_guard<std::mutex> lock(kept_mu);
    rep_.written = kept_written;
  }
  rep_.partial = stop_;
  if (stop_)
    rep_.partial_reason = fmt::format("interrupted by signal {}; checks not run are SKIPPED", InterruptSignal());
  rep_.elapsed_s = Since(start_);
  rep_.provenance.finished_utc = NowIso8601();
  RollUp(&rep_);
  return rep_;
}

}  // namespace

int HostMeasuringSlot(const std::vector<std::string>& node_of, const std::vector<std::string>& host_of, int rank) {
  auto first_of_node = [&](int r) {
    for (int q = 0; q < r; ++q) {
      if (node_of[static_cast<size_t>(q)] == node_of[static_cast<size_t>(r)]) return false;
    }
    return true;
  };
  if (!first_of_node(rank)) return -1;
  int slot = 0;
  for (int r = 0; r < rank; ++r) {
    slot += first_of_node(r) && host_of[static_cast<size_t>(r)] == host_of[static_cast<size_t>(rank)];
  }
  return slot;
}

ValidationReport RunSuite(coll::Communicator& comm, const Suite& suite, const RunOptions& options) {
  Runner runner(comm, suite, options);
  return runner.Run();
}

}  // namespace cb::acc
