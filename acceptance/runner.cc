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
#include "acceptance/inject.h"
#include "acceptance/internal/runner.h"
#include "acceptance/localize.h"
#include "collectives/gather_text.h"
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
namespace internal {
namespace {

// The steady clock in seconds, as the progress watchdog keeps its intervals.
double SteadySeconds() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// ---------------------------------------------------------------- control plane helpers

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

constexpr char kFieldSep = '\x1f';
constexpr char kRecordSep = '\x1e';

// ---------------------------------------------------------------- measuring

constexpr size_t kRecord =
    11;  // value, median, min, max, iqr, samples, checked, wrong, interrupted, measured, throttle

// The figure a check judges: the rate at the median call, or with `statistic:
// best` at the fastest one (the same work in the minimum time).
double Figure(const Check& c, double median_rate, const Measurement& m) {
  return c.best_statistic && m.summary.min > 0 ? median_rate * m.summary.median / m.summary.min : median_rate;
}

// The round's times and flags from its measurement.
void TakeTimes(const Measurement& m, Round* r) {
  r->median_s = m.summary.median;
  r->min_s = m.summary.min;
  r->max_s = m.summary.max;
  r->iqr_spread = m.iqr_spread;
  r->samples = static_cast<int64_t>(m.samples_s.size());
  r->interrupted = m.interrupted || Interrupted();
  r->throttle = m.throttle;
}

Round MeasureHost(const Check& c, const MeasureOptions& mo) {
  Round r;
  Measurement m;
  if (c.kind() == Bench::kGemm) {
    SetHostGemmThreads(c.threads);
    GemmResult g = RunHostGemm(c.precision, c.size, c.size, c.size, mo);
    r.value = Figure(c, g.flop_rate, g.measurement);
    r.checked = g.checked;
    r.wrong = g.wrong;
    m = g.measurement;
  } else if (c.kind() == Bench::kStream) {
    std::vector<StreamResult> all = RunHostStream(c.bytes, c.threads, mo);
    const StreamResult* s = nullptr;
    int64_t wrong = 0;
    for (const auto& x : all) {
      wrong += x.wrong;
      if (x.kernel == c.kernel) s = &x;
    }
    if (s) {
      m = s->measurement;
      r.value = Figure(c, s->bandwidth_Bps, m);  // bandwidth_Bps = bytes moved / median
    } else {
      m.interrupted = true;  // stopped before the judged kernel
    }
    r.checked = static_cast<int64_t>(all.size()) * (c.bytes / static_cast<int64_t>(sizeof(double)));
    r.wrong = wrong;
  } else {
    throw RuntimeError(fmt::format("check '{}': {} has no host implementation", c.name, c.benchmark));
  }
  TakeTimes(m, &r);
  return r;
}

Round MeasureDevice(DeviceKernels& dk, int device, const Check& c, const MeasureOptions& mo, std::string* skipped) {
  DeviceRequest req{c.kind(), c.precision, c.size, c.bytes};
  DeviceResult d = dk.Run(device, req, mo);
  Round r;
  if (!d.skipped.empty()) {
    *skipped = d.skipped;
    return r;
  }
  r.value = Figure(c, d.value, d.measurement);
  r.checked = d.checked;
  r.wrong = d.wrong;
  TakeTimes(d.measurement, &r);
  return r;
}

void Append(std::vector<double>* rec, const Round& r, bool measured) {
  rec->insert(rec->end(), {r.value, r.median_s, r.min_s, r.max_s, r.iqr_spread, static_cast<double>(r.samples),
                           static_cast<double>(r.checked), static_cast<double>(r.wrong), r.interrupted ? 1.0 : 0.0,
                           measured ? 1.0 : 0.0, r.throttle});
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
  r.throttle = p[10];
  return r;
}

// Adds a round to a unit's data (values for the verdict, checks summed).
void AddRound(UnitResult* u, const Round& r) {
  u->rounds.push_back(r);
  if (r.samples > 0) u->data.values.push_back(r.value);
  u->data.checked += r.checked;
  u->data.wrong += r.wrong;
}

}  // namespace

// Shared with runner_fabric.cc (internal/runner.h).
double Since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

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

MeasureOptions Runner::Options() const {
  MeasureOptions mo;
  mo.time_budget_s = suite_.time_budget_s;
  mo.warmup = 1;
  mo.min_reps = 5;
  if (comm_.rank() == o_.slow_rank) mo.throttle = o_.slow_fraction;
  mo.corrupt_output = comm_.rank() == o_.corrupt_rank;
  return mo;
}

// Measurements a unit of a node-local check takes, each bounded by the time
// budget: host STREAM times its four kernels one after another.
namespace {
int MeasurementsPerUnit(const Check& c) { return c.kind() == Bench::kStream && !c.on_gpu ? 4 : 1; }
}  // namespace

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
  const double per = suite_.time_budget_s * MeasurementsPerUnit(c);
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
  std::vector<std::string> all = coll::GatherText(comm_, mine);
  // Inventory: one per host, from its first rank (others send nothing).
  const bool first_on_host = local_index_[static_cast<size_t>(comm_.rank())] == 0;
  std::vector<std::string> inv = coll::GatherText(comm_, first_on_host ? NodeInfoToJson(o_.node_info).dump() : "");
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
    const std::vector<Round> mine = MeasureMyUnits(c, slot, slots, max_units, measure.count(comm_.rank()) > 0, &units);
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
  const std::vector<std::string> descs = coll::GatherText(comm_, desc);
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

std::vector<Round> Runner::MeasureMyUnits(const Check& c, int slot, int slots, size_t max_units, bool measuring,
                                          std::vector<LocalUnit>* units) {
  const MeasureOptions mo = Options();
  // The ranks that share a host measure one slot at a time while the others
  // wait at the slot's barrier: its deadline is --timeout beyond the time the
  // slot is expected to measure (each unit's measurement is bounded by the
  // time budget; host STREAM times its four kernels one after another), so a
  // --timeout shorter than a check's measurement is not taken for a hang.
  const double slot_s = mo.time_budget_s * static_cast<double>(max_units) * MeasurementsPerUnit(c);
  std::vector<Round> mine(units->size());
  for (int s = 0; s < slots; ++s) {
    if (s == slot && measuring && !Interrupted()) {
      for (size_t i = 0; i < units->size(); ++i) {
        LocalUnit& u = (*units)[i];
        if (!u.skipped.empty()) continue;
        mine[i] = c.on_gpu ? MeasureDevice(*dk_, u.device, c, mo, &u.skipped) : MeasureHost(c, mo);
      }
    }
    if (slots > 1) QuietBarrier(comm_, timeout_s_ + slot_s, fmt::format("check '{}' slot {}", c.name, s), keep_);
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
  // The self-test seam (acceptance/inject.h): a unit whose rounds do not show
  // the injections its measuring rank was given FAILs, whatever the benchmark.
  for (size_t k = 0; k < results->size(); ++k) {
    const int r = owner[k].first;
    (*results)[k].data.ignored_injection =
        IgnoredInjection(c, (*results)[k].rounds, r == o_.corrupt_rank, r == o_.slow_rank ? o_.slow_fraction : 0);
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
  const std::vector<std::string> lates = coll::GatherText(comm_, late);
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
  std::vector<std::string> all = coll::GatherText(comm_, mine);
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
  if (c.backend == CollectiveBackend::kNccl && !OpenNccl()) return SkipCheck(index, why_no_nccl_);
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
    if (c.backend == CollectiveBackend::kNccl) {
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

}  // namespace internal

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
  internal::Runner runner(comm, suite, options);
  return runner.Run();
}

}  // namespace cb::acc
