// The runner's fabric localisation (issue 19; acceptance/fabric.h): the
// pairs check (schedule, batches, confirmation, localisation, units) and the
// bisection of a whole-job collective check that failed.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "acceptance/fabric_report.h"
#include "acceptance/internal/runner.h"
#include "acceptance/localize.h"
#include "collectives/harness.h"
#include "collectives/op.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/stats.h"
#include "core/units.h"

namespace cb::acc::internal {

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
  fc.method = CulpritMethod::kPairs;
  fc.kind = f.kind;
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
  if (OfNode(f.kind)) {
    const auto& ranks = node_ranks_[static_cast<size_t>(f.node)];
    u.node = fabric_nodes_[static_cast<size_t>(f.node)];
    u.host = comm_.ranks()[static_cast<size_t>(ranks.front())].host;
    u.ranks = f.kind == CulpritKind::kNic && f.rail >= 0 && f.rail < static_cast<int>(ranks.size())
                  ? std::vector<int>{ranks[static_cast<size_t>(f.rail)]}
                  : ranks;
    u.device = f.kind == CulpritKind::kNic ? fmt::format("rail {}", f.rail) : "";
  } else {
    // A link or a pair: no node is to blame, so no rank takes the verdict (no
    // node is drained); the cluster's status and the headline still say it.
    u.node = f.name;
    u.host = "";
  }
  u.label = fmt::format("{} {}", CulpritKindName(f.kind), f.name);
  u.data.label = u.label;
  u.data.values = {value};
  UnitVerdict& v = u.verdict;
  v.verdict = c.judge.severity == Severity::kCritical ? Verdict::kFail : Verdict::kWarn;
  v.value = value;
  v.expected = expected;
  v.bound = CulpritMethodName(f.method);
  v.rounds = f.examined;
  v.missed_rounds = f.supporting;
  const std::string evidence = CulpritEvidence(f);
  const char* kind = CulpritKindName(f.kind);
  v.reason = fmt::format("{}: {} {} ({}): {}; {}, at {} of the fleet's", c.name, kind, f.name,
                         CulpritMethodName(f.method), f.reason, evidence, Percent(f.ratio));
  v.plain = fmt::format("{}: the {} {} is slow: {} ({})", c.name, kind, f.name, f.reason, evidence);
  v.failure = f.kind == CulpritKind::kNode ? Failure::kSlow : Failure::kNic;
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
    const bool of_node = OfNode(fc.kind);
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
    f.method = CulpritMethod::kBisection;
    f.kind = bc.link ? CulpritKind::kLink : CulpritKind::kNode;
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

}  // namespace cb::acc::internal
