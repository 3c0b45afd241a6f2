#include "collectives/harness.h"

#include "collectives/interrupt_keeper.h"

#include <fmt/format.h>
#include <strings.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/units.h"

namespace cb::coll {
namespace {

using Clock = std::chrono::steady_clock;
double Now() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

// Rank 0 keeps the results so far with it (BenchOptions::on_stall) before a
// watchdog ends the job.
using Keep = std::function<void(const std::string& why)>;

void Arrive(Communicator& comm, const BenchOptions& o, const std::string& where, const Keep& keep) {
  comm.Progress(where);
  std::vector<int> missing;
  if (comm.ArriveWithin(o.timeout_s, &missing)) return;
  auto name = [&](int r) {
    const RankInfo& ri = comm.ranks()[static_cast<size_t>(r)];
    return fmt::format("rank {} ({}, {})", ri.rank, ri.host, ri.device);
  };
  if (comm.rank() == 0) {
    std::string who;
    for (int r : missing) who += (who.empty() ? "" : ", ") + name(r);
    const std::string message = fmt::format("watchdog: {}: {} rank(s) did not arrive within {:g} s: {}", where,
                                            missing.size(), o.timeout_s, who);
    std::fprintf(stderr, "clusterbench: error: %s\n", message.c_str());
    std::fflush(stderr);  // said first: the name must reach the user even if the write is cut short
    if (keep) keep(message);
  } else if (!missing.empty()) {
    // Rank 0 itself never answered: this rank reports it.
    std::fprintf(stderr, "clusterbench: error: watchdog: %s: %s did not answer within %g s (seen from %s)\n",
                 where.c_str(), name(missing.front()).c_str(), o.timeout_s, name(comm.rank()).c_str());
  } else {
    // Rank 0 names the missing ranks and ends the job; give it the time,
    // then speak up in case rank 0 is the one that is stuck.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    std::fprintf(stderr,
                 "clusterbench: error: watchdog: %s: some rank did not arrive within %g s and rank 0 did not end the "
                 "job (seen from %s)\n",
                 where.c_str(), o.timeout_s, name(comm.rank()).c_str());
  }
  std::fflush(stderr);
  comm.Abort(static_cast<int>(ExitCode::kTimeout));
}

// Pointers into the two buffers for one op, size and placement, laid out as
// nccl-tests lays out in-place operations.
struct Layout {
  void* send;
  void* recv;
};
Layout Place(OpKind op, bool in_place, void* send_buf, void* recv_buf, const Counts& c, DataType t, int rank) {
  if (!in_place) return {send_buf, recv_buf};
  const size_t es = SizeOf(t);
  char* r = static_cast<char*>(recv_buf);
  switch (op) {
    case OpKind::kAllGather:
    case OpKind::kGather:
      return {r + static_cast<size_t>(rank) * c.send_count * es, r};
    case OpKind::kReduceScatter:
    case OpKind::kScatter:
      return {r, r + static_cast<size_t>(rank) * c.recv_count * es};
    case OpKind::kAllReduce:
    case OpKind::kBroadcast:
    case OpKind::kReduce:
    case OpKind::kAllToAll:
    case OpKind::kSendRecv:
    case OpKind::kAllToAllv:
      return {r, r};
  }
  return {r, r};
}

struct RankStats {  // one rank's view of one measurement
  double elapsed_per_iter = 0;
  Summary iterations;
  double iter_var = 0;  // population variance of the per-iteration times
  int64_t wrong = 0;
};

constexpr size_t kGathered = 8;  // numbers per rank in Combine's gather

Timing Combine(Communicator& comm, const BenchOptions& o, const RankStats& mine, OpKind op, DataType dtype, RedOp redop,
               int cycle, size_t size, bool in_place, std::vector<PerRankRow>* per_rank) {
  // O(N) on rank 0: kGathered numbers per rank.
  std::vector<double> v = {mine.elapsed_per_iter, mine.iterations.min, mine.iterations.median,
                           mine.iterations.max,   mine.iterations.p99, static_cast<double>(mine.wrong),
                           mine.iterations.mean,  mine.iter_var};
  std::vector<double> all = comm.Gather(v);
  Timing t;
  t.wrong = comm.AllReduceSum(mine.wrong);
  if (comm.rank() != 0) return t;
  const int n = comm.size();
  std::vector<double> elapsed, medians;
  double mn = 1e300, mx = 0, p99 = 0, mean_sum = 0, var_sum = 0, sq_sum = 0;
  for (int r = 0; r < n; ++r) {
    const double* x = &all[static_cast<size_t>(r) * kGathered];
    mean_sum += x[6];
    var_sum += x[7];
    sq_sum += x[6] * x[6];
    elapsed.push_back(x[0]);
    medians.push_back(x[2]);
    mn = std::min(mn, x[1]);
    mx = std::max(mx, x[3]);
    p99 = std::max(p99, x[4]);
    const int job_rank = comm.ranks()[static_cast<size_t>(r)].rank;  // differs from r inside a --split group
    if (x[5] > 0) t.wrong_ranks.push_back(job_rank);
    per_rank->push_back({op, size, in_place, dtype, redop, cycle, job_rank, x[0], static_cast<int64_t>(x[5])});
  }
  switch (o.average) {
    case 0:
      t.time_s = elapsed[0];
      break;
    case 2:
      t.time_s = *std::min_element(elapsed.begin(), elapsed.end());
      break;
    case 3:
      t.time_s = *std::max_element(elapsed.begin(), elapsed.end());
      break;
    default: {
      double s = 0;
      for (double e : elapsed) s += e;
      t.time_s = s / n;
    }
  }
  t.rank_time.count = static_cast<size_t>(n);
  t.rank_time.min = mn;
  t.rank_time.max = mx;
  t.rank_time.median = Median(medians);
  t.rank_time.p99 = p99;
  // Pooled over every rank-iteration (every rank times the same number of
  // iterations): mean of the means; variance = mean of the variances plus the
  // variance of the means.
  t.iter_mean = mean_sum / n;
  const double var = var_sum / n + std::max(0.0, sq_sum / n - t.iter_mean * t.iter_mean);
  t.iter_cv = t.iter_mean > 0 ? std::sqrt(var) / t.iter_mean : 0;
  // Late ranks: the others waited for them, so their own time inside the op
  // is clearly the shortest (a quarter below the job's median).
  double job = Median(medians);
  std::vector<std::pair<double, int>> order;
  for (int r = 0; r < n; ++r) {
    if (n > 1 && medians[static_cast<size_t>(r)] < 0.75 * job) order.push_back({medians[static_cast<size_t>(r)], r});
  }
  std::sort(order.begin(), order.end());
  for (size_t i = 0; i < order.size() && i < 3; ++i) {
    t.late_ranks.push_back(comm.ranks()[static_cast<size_t>(order[i].second)].rank);
  }
  const double bytes = static_cast<double>(size);
  t.algbw = t.time_s > 0 ? bytes / t.time_s : 0;
  t.busbw = t.algbw * BusBandwidthFactor(op, n);
  return t;
}

RankStats Measure(Communicator& comm, const BenchOptions& o, OpKind op, DataType t, RedOp redop, int root, size_t size,
                  bool in_place, void* send_buf, void* recv_buf, std::vector<char>& host, double* slow_sleep_s) {
  const int rank = comm.rank(), n = comm.size();
  const int job_rank = comm.ranks()[static_cast<size_t>(rank)].rank;  // injections name job ranks
  Counts c = CountsFor(op, size, t, n);
  if (op == OpKind::kAllToAllv) c.traffic = o.alltoallv_matrix;
  const size_t es = SizeOf(t);
  Layout l = Place(op, in_place, send_buf, recv_buf, c, t, rank);
  auto fill = [&] {
    host.assign(std::max<size_t>(c.send_count * es, 1), 0);
    FillSend(op, redop, t, rank, n, root, host.data(), c, job_rank == o.corrupt_rank);
    if (c.send_count) comm.Upload(l.send, host.data(), c.send_count * es);
  };
  fill();
  for (int i = 0; i < o.warmup; ++i) comm.Start(op, l.send, l.recv, c, t, redop, root);
  comm.Wait();

  // Slow injection: the slow rank enters each op late by a fraction of the
  // op's own time (measured once, agreed across ranks).
  double sleep_s = 0;
  if (o.slow_rank >= 0) {
    if (*slow_sleep_s < 0) {
      double t0 = Now();
      comm.Start(op, l.send, l.recv, c, t, redop, root);
      comm.Wait();
      *slow_sleep_s = comm.AllReduceMax(Now() - t0) * o.slow_fraction;
    }
    if (job_rank == o.slow_rank) sleep_s = *slow_sleep_s;
  }

  comm.Barrier();
  RankStats s;
  std::vector<double> iters;
  // The figure nccl-tests reports: n back-to-back ops between two clock
  // reads, nothing else in the loop (so it matches a bare loop of the call).
  // -z (blocking) waits and barriers after each op, -I reads the clock around
  // each op, -C stops the clock when the ops are launched: each only when asked.
  // -m groups agg_iters ops per iteration (NCCL: one ncclGroupStart/End);
  // without grouping to do (blocking backends), the loop is iters x agg_iters
  // bare calls.
  const int agg = std::max(1, o.agg_iters);
  const bool grouped = agg > 1 && !comm.synchronous();
  const bool each = sleep_s > 0 || o.blocking || o.iteration_stats || grouped;
  const double start = Now();
  if (each) {
    if (o.iteration_stats) iters.reserve(static_cast<size_t>(o.iters));
    for (int i = 0; i < o.iters; ++i) {
      if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
      const double t0 = o.iteration_stats ? Now() : 0;
      if (agg > 1) {
        comm.StartGroup(op, l.send, l.recv, c, t, redop, root, agg);
      } else {
        comm.Start(op, l.send, l.recv, c, t, redop, root);
      }
      if (o.blocking || o.iteration_stats) comm.Wait();
      if (o.iteration_stats) iters.push_back((Now() - t0) / agg);  // per op, as the time column
      if (o.blocking) comm.Barrier();
    }
  } else {
    comm.StartRepeated(op, l.send, l.recv, c, t, redop, root, o.iters * agg);
  }
  const double launched = o.report_cputime ? Now() : 0;  // no extra clock read otherwise
  comm.Wait();
  const double end = o.report_cputime ? launched : Now();
  s.elapsed_per_iter = o.iters > 0 ? (end - start) / (static_cast<double>(o.iters) * agg) : 0;
  // Then a shorter pass that times each op on its own, for the per-rank
  // distribution and the late ranks (synchronous backends only), unless -I
  // timed every op of the loop already.
  if (comm.synchronous() && !o.iteration_stats) {
    const int n_dist = std::min(o.iters, 50);
    iters.reserve(static_cast<size_t>(n_dist));
    comm.Barrier();
    for (int i = 0; i < n_dist; ++i) {
      if (sleep_s > 0) std::this_thread::sleep_for(std::chrono::duration<double>(sleep_s));
      double t0 = Now();
      comm.Start(op, l.send, l.recv, c, t, redop, root);
      iters.push_back(Now() - t0);
    }
  }
  if (iters.empty()) iters.push_back(s.elapsed_per_iter);
  s.iterations = Summarize(iters);
  for (double x : iters) s.iter_var += (x - s.iterations.mean) * (x - s.iterations.mean);
  s.iter_var /= static_cast<double>(iters.size());

  // Checks: fresh input, one op, every element compared with the exact result.
  for (int k = 0; k < o.checks; ++k) {
    // Poison the whole receive buffer first (in place too: the input is then
    // written into it), so stale results from the timed loop cannot pass.
    const size_t recv_bytes = std::max(c.recv_count * es, in_place ? c.send_count * es : 0);
    if (recv_bytes) {
      std::vector<char> poison(recv_bytes, static_cast<char>(0x7f));
      comm.Upload(in_place ? recv_buf : l.recv, poison.data(), poison.size());
    }
    fill();
    comm.Start(op, l.send, l.recv, c, t, redop, root);
    comm.Wait();
    std::vector<char> out(std::max<size_t>(c.recv_count * es, 1));
    if (c.recv_count) comm.Download(out.data(), l.recv, c.recv_count * es);
    s.wrong += CountWrong(op, redop, t, rank, n, root, out.data(), c);
  }
  return s;
}

std::vector<P2pResult> RunP2p(Communicator& comm, const BenchOptions& o, const Keep& keep) {
  const int n = comm.size(), rank = comm.rank();
  const auto& infos = comm.ranks();
  // Pairs, identical on every rank: ring neighbours, every pair inside a
  // host, and O(hosts) sampled pairs across hosts (all of them if asked).
  std::vector<std::pair<std::pair<int, int>, std::string>> pairs;
  std::set<std::pair<int, int>> seen;
  auto add = [&](int a, int b, const char* kind) {
    if (a == b || !seen.insert({a, b}).second) return;
    pairs.push_back({{a, b}, kind});
  };
  for (int r = 0; r < n && n > 1; ++r) add(r, (r + 1) % n, "ring");
  std::map<std::string, std::vector<int>> by_host;
  for (const auto& ri : infos) by_host[ri.host].push_back(ri.rank);
  for (const auto& [h, rs] : by_host) {
    for (size_t i = 0; i < rs.size(); ++i) {
      for (size_t j = 0; j < rs.size(); ++j) {
        if (i != j) add(rs[i], rs[j], "intra");
      }
    }
  }
  std::vector<int> leaders;
  for (const auto& [h, rs] : by_host) leaders.push_back(rs.front());
  const size_t hosts = leaders.size();
  for (size_t i = 0; i < hosts && hosts > 1; ++i) {
    if (o.p2p_all_pairs) {
      for (size_t j = 0; j < hosts; ++j) {
        if (i != j) add(leaders[i], leaders[j], "inter");
      }
    } else {
      add(leaders[i], leaders[(i + 1) % hosts], "inter");
      add(leaders[i], leaders[(i + hosts / 2) % hosts], "inter");
    }
  }
  const size_t bytes = std::min<size_t>(o.max_bytes, size_t{64} << 20);
  void* buf = comm.Alloc(std::max<size_t>(bytes, 8));
  void* small = comm.Alloc(8);
  std::vector<P2pResult> out;
  for (const auto& [pr, kind] : pairs) {
    const auto [a, b] = pr;
    Arrive(comm, o, fmt::format("p2p {} -> {}", a, b), keep);
    double bw = 0, lat = 0;
    const int iters = std::max(1, o.iters);
    if (rank == a || rank == b) {
      // One transfer a -> b: a sends, b receives.
      auto transfer = [&] {
        if (rank == a)
          comm.SendRecv(buf, b, nullptr, -1, bytes);
        else
          comm.SendRecv(nullptr, -1, buf, a, bytes);
      };
      for (int i = 0; i < o.warmup; ++i) transfer();
      double t0 = Now();
      for (int i = 0; i < iters; ++i) transfer();
      // Self-test (--inject slow:R:F): a pair with the slow rank is slower by
      // F, as a sleep of F x the transfers' own time inside the timed region
      // (taken by the sender before the ack), so the figure is measured.
      const bool slowed = o.slow_rank >= 0 && (a == o.slow_rank || b == o.slow_rank);
      if (slowed && rank == a)
        std::this_thread::sleep_for(std::chrono::duration<double>((Now() - t0) * o.slow_fraction));
      if (rank == a)
        comm.SendRecv(nullptr, -1, small, b, 8);  // the receiver's ack ends the clock
      else
        comm.SendRecv(small, a, nullptr, -1, 8);
      comm.Wait();
      if (rank == a) bw = static_cast<double>(bytes) * iters / (Now() - t0);
      t0 = Now();
      for (int i = 0; i < iters; ++i) {
        if (rank == a) {
          comm.SendRecv(small, b, nullptr, -1, 8);
          comm.SendRecv(nullptr, -1, small, b, 8);
        } else {
          comm.SendRecv(nullptr, -1, small, a, 8);
          comm.SendRecv(small, a, nullptr, -1, 8);
        }
      }
      comm.Wait();
      if (slowed && rank == a)
        std::this_thread::sleep_for(std::chrono::duration<double>((Now() - t0) * o.slow_fraction));
      if (rank == a) lat = (Now() - t0) / (2.0 * iters);
    }
    // O(1) per pair on every rank: the sender's figures, shared by max.
    P2pResult res{a, b, kind, comm.AllReduceMax(bw), comm.AllReduceMax(lat), false};
    out.push_back(res);
  }
  comm.Free(buf);
  comm.Free(small);
  std::map<std::string, std::vector<double>> bws;
  for (const auto& r : out) bws[r.kind].push_back(r.bandwidth);
  for (auto& r : out) r.flagged = r.bandwidth < 0.5 * Median(bws[r.kind]);
  return out;
}

}  // namespace

namespace {

// "KIND:value" of a split mode with a numeric operand (MOD, DIV, AND, OR);
// value in decimal, 0x hex or 0b binary, as nccl-tests' parseInt reads it.
bool SplitOperand(const std::string& split, const char* kind, long long* value) {
  const std::string prefix = std::string(kind) + ":";
  if (split.rfind(prefix, 0) != 0) return false;
  std::string text = split.substr(prefix.size());
  int base = 0;
  if (text.size() > 2 && (text.compare(0, 2, "0b") == 0 || text.compare(0, 2, "0B") == 0)) {
    text = text.substr(2);
    base = 2;
  }
  long long v = -1;
  try {
    size_t pos = 0;
    v = std::stoll(text, &pos, base);
    if (pos != text.size()) v = -1;
  } catch (const std::exception&) {
    v = -1;
  }
  if (v < 0 || v > (1LL << 30)) {
    throw UsageError(
        fmt::format("--split {}: {}:N needs a whole number 0..2^30 (decimal, 0x hex or 0b binary)", split, kind));
  }
  *value = v;
  return true;
}

// Every (type, reduction) pair, types outermost (nccl-tests' loop order).
// What one op runs, in nccl-tests' order: each type, then each reduction,
// then each root (-r -1: every rank in turn, as nccl-tests' broadcast, reduce,
// gather and scatter tests do; -1 for ops without a root).
struct Variant {
  DataType dtype;
  RedOp redop;
  int root;
};
std::vector<Variant> Variants(OpKind op, const std::vector<DataType>& types, const std::vector<RedOp>& redops, int root,
                              int nranks) {
  std::vector<int> roots = {HasRoot(op) ? root : -1};
  if (HasRoot(op) && root < 0) {
    roots.clear();
    for (int r = 0; r < nranks; ++r) roots.push_back(r);
  }
  std::vector<Variant> out;
  for (DataType t : types) {
    for (RedOp r : redops) {
      for (int x : roots) out.push_back({t, r, x});
    }
  }
  return out;
}

// The watchdog's and the interrupt keeper's copy of the report follows the
// report by appending what is new (a full copy per row would make a long run,
// -N 0, quadratic in its rows).
void CatchUp(BenchReport* kept, const BenchReport& report) {
  auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin() + to.size(), from.end()); };
  append(kept->results, report.results);
  append(kept->per_rank, report.per_rank);
  append(kept->groups, report.groups);
  kept->group_count = report.group_count;
  kept->group_init_seconds = report.group_init_seconds;
  kept->group_init_method = report.group_init_method;
  kept->total_wrong = report.total_wrong;
  kept->watch_note = report.watch_note;
}

}  // namespace

int ParseSplitModulus(const std::string& split) {
  if (split == "intra" || split == "inter") return 0;
  long long v = 0;
  if (SplitOperand(split, "MOD", &v)) {
    if (v < 1) throw UsageError(fmt::format("--split {}: MOD:k needs a positive k", split));
    return static_cast<int>(v);
  }
  if (SplitOperand(split, "DIV", &v)) {
    if (v < 1) throw UsageError(fmt::format("--split {}: DIV:k needs a positive k", split));
    return 0;
  }
  if (SplitOperand(split, "AND", &v) || SplitOperand(split, "OR", &v)) return 0;
  throw UsageError(fmt::format("--split {}: expected intra, inter, MOD:k, DIV:k, AND:mask or OR:mask", split));
}

std::string SplitFromNcclTestsEnv(const std::string& split_mask, const std::string& split) {
  // nccl-tests src/common.cu, run(): NCCL_TESTS_SPLIT_MASK is read first
  // (strtoul base 16, color = rank & mask), then NCCL_TESTS_SPLIT.
  if (!split_mask.empty()) {
    std::string hex = split_mask;
    if (hex.rfind("0x", 0) != 0 && hex.rfind("0X", 0) != 0) hex = "0x" + hex;
    const std::string mode = "AND:" + hex;
    try {
      ParseSplitModulus(mode);
    } catch (const UsageError&) {
      throw UsageError(fmt::format("NCCL_TESTS_SPLIT_MASK={}: expected a hexadecimal mask (0x7)", split_mask));
    }
    return mode;
  }
  if (split.empty()) return "";
  static const std::pair<const char*, const char*> kOperators[] = {{"AND", "AND"}, {"&", "AND"},   {"OR", "OR"},
                                                                   {"|", "OR"},    {"MOD", "MOD"}, {"%", "MOD"},
                                                                   {"DIV", "DIV"}, {"/", "DIV"}};
  for (const auto& [spelled, kind] : kOperators) {
    const size_t n = std::strlen(spelled);
    if (split.size() <= n || strncasecmp(split.c_str(), spelled, n) != 0) continue;
    std::string operand = split.substr(n);
    operand.erase(0, operand.find_first_not_of(" \t"));
    const std::string mode = std::string(kind) + ":" + operand;
    try {
      ParseSplitModulus(mode);
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("NCCL_TESTS_SPLIT={}: {}", split, e.what()));
    }
    return mode;
  }
  throw UsageError(fmt::format(
      "NCCL_TESTS_SPLIT={}: expected AND, OR, MOD or DIV (or &, |, %, /) and a number, as nccl-tests reads it "
      "(\"MOD 8\")",
      split));
}

int SplitColor(const std::string& split, const std::vector<RankInfo>& ranks, int rank) {
  const int k = ParseSplitModulus(split);
  if (k > 0) return rank % k;
  long long v = 0;
  if (SplitOperand(split, "DIV", &v)) return static_cast<int>(rank / v);
  if (SplitOperand(split, "AND", &v)) return static_cast<int>(rank & v);
  if (SplitOperand(split, "OR", &v)) return static_cast<int>(rank | v);
  const RankInfo& me = ranks[static_cast<size_t>(rank)];
  // inter: one group per local index, this rank's place among its host's ranks.
  if (split == "inter") return LocalRankOf(ranks, rank);
  // intra: one group per host, numbered in the order of each host's first rank.
  const std::vector<std::string> hosts = HostsOf(ranks, HostOrder::kFirstRank);
  return static_cast<int>(std::find(hosts.begin(), hosts.end(), me.host) - hosts.begin());
}

std::vector<size_t> SizeSweep(const BenchOptions& o) {
  std::vector<size_t> sizes;
  for (size_t s = o.min_bytes; s <= o.max_bytes;) {
    sizes.push_back(s);
    size_t next = o.increment > 0 ? s + o.increment : static_cast<size_t>(std::ceil(static_cast<double>(s) * o.factor));
    if (next <= s) break;
    s = next;
  }
  return sizes;
}

std::string ValidateOptions(BenchOptions* o, const Communicator& comm) {
  if (o->min_bytes > o->max_bytes) {
    throw UsageError(fmt::format("-b {} is larger than -e {}: sizes out of order", o->min_bytes, o->max_bytes));
  }
  if (o->increment == 0 && !(o->factor > 1)) throw UsageError(fmt::format("-f {}: the factor must be > 1", o->factor));
  if (o->iters < 1) throw UsageError("-n must be at least 1");
  if (o->agg_iters < 1)
    throw UsageError(fmt::format("-m {}: the aggregated op count must be at least 1", o->agg_iters));
  if (static_cast<int64_t>(o->iters) * o->agg_iters > INT32_MAX) {
    throw UsageError(fmt::format("-n {} -m {}: {} ops per measurement, at most {}", o->iters, o->agg_iters,
                                 static_cast<int64_t>(o->iters) * o->agg_iters, INT32_MAX));
  }
  if (o->warmup < 0 || o->checks < 0) throw UsageError("-w and -c must not be negative");
  if (o->average < 0 || o->average > 3) throw UsageError(fmt::format("-a {}: must be 0..3", o->average));
  // -1: every root in turn (nccl-tests).
  if (o->root < -1 || o->root >= comm.size()) {
    throw UsageError(fmt::format("--root {}: the job has ranks 0..{} (-1: each in turn)", o->root, comm.size() - 1));
  }
  for (int r : {o->corrupt_rank, o->slow_rank, o->hang_rank, o->stuck_rank}) {
    if (r >= comm.size())
      throw UsageError(fmt::format("--inject: rank {} is outside the job (0..{})", r, comm.size() - 1));
  }
  if (o->stuck_rank >= 0 && comm.backend() == "loopback") {
    throw UsageError(
        "--inject stuck: needs a progress watchdog (mpi or nccl under mpirun); the loopback backend's ranks are "
        "threads of one process, with none");
  }
  if (o->alltoallv_matrix) {
    const size_t n = static_cast<size_t>(comm.size());
    if (!o->split.empty()) {
      throw UsageError(
          fmt::format("--alltoallv-matrix {} with --split {}: the matrix is for the whole job, and the "
                      "groups have fewer ranks",
                      o->alltoallv_matrix_path, o->split));
    }
    if (o->alltoallv_matrix->size() != n * n) {
      const auto rows = static_cast<size_t>(std::lround(std::sqrt(static_cast<double>(o->alltoallv_matrix->size()))));
      throw UsageError(fmt::format("--alltoallv-matrix {}: a {} x {} matrix for a job of {} ranks",
                                   o->alltoallv_matrix_path, rows, rows, n));
    }
  }
  if (o->cycles < 0)
    throw UsageError(fmt::format("-N {}: the cycle count must be 0 (until interrupted) or more", o->cycles));
  if (o->redops.empty()) o->redops = {o->redop};
  if (o->dtypes.empty()) o->dtypes = {o->dtype};
  o->redop = o->redops.front();
  o->dtype = o->dtypes.front();
  std::string note;
  // -d all / -o all: what this backend cannot do is left out (and said); a
  // type and reduction asked by name must run.
  const bool every_type = o->dtypes.size() > 1, every_redop = o->redops.size() > 1;
  const char* label = every_type && every_redop ? "-d all, -o all" : every_type ? "-d all" : "-o all";
  int runnable = 0;
  for (OpKind op : o->ops) {
    for (DataType t : o->dtypes) {
      for (RedOp redop : IsReduction(op) ? o->redops : std::vector<RedOp>{o->redops.front()}) {
        std::string why;
        if (comm.Supports(op, t, redop, &why)) {
          ++runnable;
          continue;
        }
        if (!every_type && !(every_redop && IsReduction(op))) {
          throw UsageError(fmt::format("{} backend cannot run {} on {}{}: {}", comm.backend(), Name(op), Name(t),
                                       IsReduction(op) ? fmt::format(" with {}", Name(redop)) : "", why));
        }
        note += fmt::format("{}{}: {} on {}{} left out ({})", note.empty() ? "" : "; ", label, Name(op), Name(t),
                            IsReduction(op) ? fmt::format(" with {}", Name(redop)) : "", why);
      }
    }
  }
  if (runnable == 0 && !o->ops.empty()) {
    throw UsageError(fmt::format("{}: the {} backend can run none of them ({})", label, comm.backend(), note));
  }
  // Two buffers of max_bytes per rank must fit (nccl-tests caps the same way).
  size_t limit = comm.memory_limit() / 2;
  if (o->max_bytes > limit) {
    note +=
        fmt::format("{}reducing the largest size from {} to {} to fit the memory of one rank", note.empty() ? "" : "; ",
                    FormatBytes(static_cast<double>(o->max_bytes)), FormatBytes(static_cast<double>(limit)));
    o->max_bytes = limit;
    if (o->min_bytes > o->max_bytes) o->min_bytes = o->max_bytes;
  }
  return note;
}

namespace {

// The job split into groups (--split); without it no group and colour 0.
struct Groups {
  std::unique_ptr<Communicator> group;
  int color = 0;
};

// Splits world by o.split and records the groups' count and set-up in report;
// the same decision on every rank, which rejects a --root the smallest group
// does not have.
Groups SplitGroups(Communicator& world, const BenchOptions& o, BenchReport* report, const Keep& keep) {
  Groups g;
  g.color = o.split.empty() ? 0 : SplitColor(o.split, world.ranks(), world.rank());
  if (o.split.empty()) return g;
  Arrive(world, o, "splitting into groups", keep);
  g.group = world.Split(g.color, world.rank());
  report->group_count = static_cast<int>(world.AllReduceSum(g.group->rank() == 0 ? 1 : 0));
  report->group_init_seconds = world.AllReduceMax(g.group->init_seconds());
  report->group_init_method = g.group->init_method();
  // The same decision on every rank: the smallest group bounds the root.
  const int smallest = static_cast<int>(-world.AllReduceMax(-static_cast<double>(g.group->size())));
  bool rooted = false;
  for (OpKind op : o.ops) rooted |= HasRoot(op);
  if (rooted && o.root < 0) {
    // Groups of different sizes would visit different numbers of roots
    // while the job agrees on every size.
    throw UsageError(fmt::format("--root -1 (each root in turn) with --split {}: give one root", o.split));
  }
  if (rooted && o.root >= smallest) {
    throw UsageError(
        fmt::format("--root {}: with --split {} the smallest group has {} rank(s)", o.root, o.split, smallest));
  }
  return g;
}

// What every measurement of one run shares: the job, the communicator that
// runs the ops (the group with --split, else the job) and the buffers.
struct RunContext {
  Communicator& world;
  Communicator& comm;
  bool grouped;
  int color;
  const BenchOptions& o;
  void* send;
  void* recv;
  std::vector<char>& host;
  const Keep& keep;
};

// --split: every group root's figures t go to the job's rank 0, which keeps
// them all in report->groups and returns the slowest group's; every rank
// gets the job's wrong count. O(N) on rank 0.
Timing GatherGroups(const RunContext& ctx, OpKind op, size_t size, bool in_place, Timing t, BenchReport* report) {
  Communicator& world = ctx.world;
  const bool root = ctx.comm.rank() == 0;
  std::vector<double> mine = {root ? 1.0 : 0.0,
                              static_cast<double>(ctx.color),
                              static_cast<double>(ctx.comm.size()),
                              static_cast<double>(ctx.comm.ranks()[0].rank),
                              t.time_s,
                              t.algbw,
                              t.busbw,
                              static_cast<double>(root ? t.wrong : 0)};
  std::vector<double> all = world.Gather(mine);
  t.wrong = world.AllReduceSum(root ? t.wrong : 0);
  if (world.rank() != 0) return t;
  Timing slowest = t;
  slowest.wrong = t.wrong;
  for (size_t i = 0; i + 8 <= all.size(); i += 8) {
    if (all[i] == 0) continue;
    GroupRow g{op,
               size,
               in_place,
               static_cast<int>(all[i + 1]),
               static_cast<int>(all[i + 2]),
               static_cast<int>(all[i + 3]),
               all[i + 4],
               all[i + 5],
               all[i + 6],
               static_cast<int64_t>(all[i + 7])};
    report->groups.push_back(g);
    if (g.time_s > slowest.time_s) {
      slowest.time_s = g.time_s;
      slowest.algbw = g.algbw;
      slowest.busbw = g.busbw;
    }
    if (g.wrong > 0) slowest.wrong_ranks.push_back(g.first_rank);
  }
  return slowest;
}

// One size of one variant in one cycle, out of place and in place as asked.
// Returns nothing where the size is skipped (smaller than one element per
// rank in any group) or the job was interrupted (report->interrupted set);
// the same decision on every rank.
std::optional<SizeResult> RunSize(const RunContext& ctx, OpKind op, const Variant& v, int cycle, size_t raw,
                                  BenchReport* report) {
  Communicator& world = ctx.world;
  Communicator& comm = ctx.comm;
  const BenchOptions& o = ctx.o;
  // The slow rank's delay is a fraction of this size's op time.
  double slow_sleep = -1;
  // Everyone here (the watchdog names who is not) before any blocking
  // agreement; then SIGINT/SIGTERM on any rank stops every rank here,
  // together, and the results so far are reported (status interrupted).
  Arrive(world, o, fmt::format("{} {} bytes", Name(op), raw), ctx.keep);
  if (world.AllReduceMax(Interrupted() ? 1.0 : 0.0) > 0) {
    report->interrupted = true;
    return std::nullopt;
  }
  // Groups may differ in size: align to the largest so every group runs
  // the same size; a group's own figures use its own rank count.
  size_t size = AlignSize(op, raw, v.dtype, comm.size());
  if (ctx.grouped) size = static_cast<size_t>(world.AllReduceMax(static_cast<double>(size)));
  if (ctx.grouped) size = AlignSize(op, size, v.dtype, comm.size());
  // Smaller than one element per rank (in any group): skipped everywhere.
  const bool skip = size == 0 && raw > 0;
  if (ctx.grouped ? world.AllReduceMax(skip ? 1.0 : 0.0) > 0 : skip) return std::nullopt;
  SizeResult r;
  r.op = op;
  r.size = size;
  r.count = CountsFor(op, size, v.dtype, comm.size()).count;
  r.dtype = v.dtype;
  r.redop = v.redop;
  r.checked = o.checks > 0;
  r.cycle = cycle;
  r.root = v.root;
  for (bool in_place : {false, true}) {
    if ((in_place && !o.in_place) || (!in_place && !o.out_of_place)) continue;
    Arrive(world, o, fmt::format("{} {} bytes{}", Name(op), size, in_place ? " in place" : ""), ctx.keep);
    if (o.stuck_rank == world.rank() && raw > o.min_bytes) {
      // Self-test: this rank's main thread stops inside the sweep while its
      // process (and watchdog thread) lives; the others wait in the
      // measurement's first collective. The watchdog must name it.
      std::this_thread::sleep_for(std::chrono::duration<double>(o.timeout_s * 20 + 60));
    }
    const double measure_start = Now();
    RankStats st =
        Measure(comm, o, op, v.dtype, v.redop, v.root, size, in_place, ctx.send, ctx.recv, ctx.host, &slow_sleep);
    const double measure_end = Now();
    std::vector<PerRankRow>* per_rank = world.rank() == 0 || !ctx.grouped ? &report->per_rank : nullptr;
    std::vector<PerRankRow> discard;
    Timing t = Combine(comm, o, st, op, v.dtype, v.redop, cycle, size, in_place, per_rank ? per_rank : &discard);
    if (ctx.grouped) t = GatherGroups(ctx, op, size, in_place, t, report);
    report->total_wrong += t.wrong;
    if (world.rank() == 0) t.stalled_ranks = world.SilentRanks(measure_start, measure_end);
    (in_place ? r.in_place : r.out_of_place) = t;
    (in_place ? r.has_in_place : r.has_out_of_place) = true;
  }
  return r;
}

// Every op, variant, cycle and size of the run, as nccl-tests orders them.
// Rank 0 keeps each row in report (and its copy in *kept, under kept_mu, for
// the watchdog and the interrupt keeper), passes it to progress and sets
// report->avg_busbw.
void RunSweep(const RunContext& ctx, const ProgressFn& progress, std::mutex& kept_mu, BenchReport* kept,
              BenchReport* report) {
  const BenchOptions& o = ctx.o;
  const std::vector<size_t> sizes = SizeSweep(o);
  double busbw_sum = 0;
  int busbw_n = 0;
  const std::vector<RedOp> redops = o.redops.empty() ? std::vector<RedOp>{o.redop} : o.redops;
  const std::vector<DataType> dtypes = o.dtypes.empty() ? std::vector<DataType>{o.dtype} : o.dtypes;
  for (OpKind op : o.ops) {
    // A reducing op runs once per reduction (-o all); the others once.
    const std::vector<RedOp> op_redops = IsReduction(op) ? redops : std::vector<RedOp>{redops.front()};
    // As nccl-tests: each type (-d all), then each reduction (-o all); what
    // the backend cannot do was left out by ValidateOptions (the same
    // decision on every rank).
    for (const Variant& v : Variants(op, dtypes, op_redops, o.root, ctx.comm.size())) {
      std::string why;
      if ((dtypes.size() > 1 || op_redops.size() > 1) && !ctx.comm.Supports(op, v.dtype, v.redop, &why)) continue;
      for (int cycle = 0; (o.cycles == 0 || cycle < o.cycles) && !report->interrupted; ++cycle) {
        for (size_t raw : sizes) {
          std::optional<SizeResult> r = RunSize(ctx, op, v, cycle, raw, report);
          if (report->interrupted) break;
          if (!r) continue;
          if (ctx.world.rank() == 0) {
            // nccl-tests averages the bus bandwidth of every row, in and out of place.
            if (r->has_out_of_place) {
              busbw_sum += r->out_of_place.busbw;
              ++busbw_n;
            }
            if (r->has_in_place) {
              busbw_sum += r->in_place.busbw;
              ++busbw_n;
            }
            if (progress) progress(*r);
            report->results.push_back(*r);
            std::lock_guard<std::mutex> lock(kept_mu);
            CatchUp(kept, *report);
          }
          ctx.world.Progress(fmt::format("{} {} bytes done", Name(op), r->size));
        }
      }
    }
  }
  report->avg_busbw = busbw_n ? busbw_sum / busbw_n : 0;
}

}  // namespace

BenchReport RunBenchmark(Communicator& world, const BenchOptions& o, const ProgressFn& progress) {
  BenchReport report;
  // The progress watchdog (every rank): a rank that stops inside a collective
  // is named and the results so far are kept; a rank that stops and resumes
  // marks the measurements it delayed. Rank 0's watchdog thread reads the
  // last consistent copy of the report.
  // The same keeper when a rank misses an arrival check (Arrive).
  std::mutex kept_mu;
  BenchReport kept;
  const Keep keep = [&](const std::string& why) {
    std::lock_guard<std::mutex> lock(kept_mu);
    if (o.on_stall) o.on_stall(kept, why);
  };
  world.WatchProgress(o.timeout_s, keep, &report.watch_note);
  struct StopWatching {
    Communicator& c;
    ~StopWatching() { c.StopWatching(); }
  } stop_watching{world};
  // The interrupt keeper (rank 0): a signal the ranks do not agree on within
  // the grace gets the results so far written from its thread, before a
  // launcher's SIGKILL can take them.
  InterruptKeeper keeper(world, o.on_interrupt ? [&](const std::string& vanished) {
    std::lock_guard<std::mutex> lock(kept_mu);
    BenchReport so_far = kept;
    so_far.interrupted = true;
    o.on_interrupt(so_far, vanished);
  } : std::function<void(const std::string&)>());
  if (o.hang_rank == world.rank()) {
    // Self-test: this rank never joins; the watchdog must name it.
    std::this_thread::sleep_for(std::chrono::duration<double>(o.timeout_s * 20 + 60));
  }
  Groups groups = SplitGroups(world, o, &report, keep);
  Communicator& comm = groups.group ? *groups.group : world;
  const size_t buf_bytes = std::max<size_t>(o.max_bytes, 64);
  void* send = comm.Alloc(buf_bytes);
  void* recv = comm.Alloc(buf_bytes);
  std::vector<char> host;
  const RunContext ctx{world, comm, groups.group != nullptr, groups.color, o, send, recv, host, keep};
  RunSweep(ctx, progress, kept_mu, &kept, &report);
  comm.Free(send);
  comm.Free(recv);
  if (o.p2p && !report.interrupted) report.p2p = RunP2p(world, o, keep);
  keeper.Finish();
  report.interrupt_kept = keeper.fired();
  return report;
}

}  // namespace cb::coll
