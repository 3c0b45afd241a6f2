// The pairs schedule, the fabric injections and the bisection search: see
// fabric.h for the method and its costs.
#include "acceptance/fabric.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "core/stats.h"

namespace cb::acc {

std::vector<Matching> RoundRobinSchedule(int n) {
  std::vector<Matching> rounds;
  if (n < 2) return rounds;
  const int m = n % 2 == 0 ? n : n + 1;  // an odd n gets a ghost (m - 1): meeting it is a bye
  std::vector<int> circle(static_cast<size_t>(m));
  for (int i = 0; i < m; ++i) circle[static_cast<size_t>(i)] = i;
  for (int k = 0; k < m - 1; ++k) {
    Matching round;
    for (int i = 0; i < m / 2; ++i) {
      const int a = circle[static_cast<size_t>(i)], b = circle[static_cast<size_t>(m - 1 - i)];
      if (a >= n || b >= n) continue;  // the bye
      round.emplace_back(std::min(a, b), std::max(a, b));
    }
    std::sort(round.begin(), round.end());
    rounds.push_back(std::move(round));
    // Rotate every position but the first one step.
    std::rotate(circle.begin() + 1, circle.end() - 1, circle.end());
  }
  return rounds;
}

std::vector<Matching> SampledMatchings(int n, int k, uint64_t seed, const std::vector<int>& switch_of) {
  std::vector<Matching> rounds;
  if (n < 2 || k < 1) return rounds;
  std::mt19937_64 rng(seed);  // the standard fixes its output: the same schedule on every rank and machine
  std::set<std::pair<int, int>> met;
  const bool topology = switch_of.size() == static_cast<size_t>(n);
  auto cross = [&](int a, int b) {
    return topology && switch_of[static_cast<size_t>(a)] != switch_of[static_cast<size_t>(b)];
  };
  for (int round = 0; round < k; ++round) {
    std::vector<int> order(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    // Fisher-Yates with the generator's raw output (its modulo bias, below
    // 2^-40 for any fleet, does not matter for a sample; std::shuffle's
    // distribution would differ between standard libraries).
    for (int i = n - 1; i > 0; --i) {
      std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(rng() % static_cast<uint64_t>(i + 1))]);
    }
    std::vector<bool> taken(static_cast<size_t>(n), false);
    Matching m;
    // With switches: the next node comes from the switch with the most free
    // nodes, and takes a partner from the largest other switch, so that no
    // switch is left with only its own nodes to pair (O(n^2) per round).
    std::map<int, int> free_under;
    if (topology) {
      for (int x = 0; x < n; ++x) ++free_under[switch_of[static_cast<size_t>(x)]];
    }
    auto sw = [&](int x) { return switch_of[static_cast<size_t>(x)]; };
    for (int matched = 0; matched + 1 < n;) {
      int u = -1;
      for (int x : order) {
        if (taken[static_cast<size_t>(x)]) continue;
        if (u < 0 || (topology && free_under[sw(x)] > free_under[sw(u)])) u = x;
        if (!topology) break;
      }
      if (u < 0) break;
      // The best free partner: not met before, then under another switch,
      // then under the switch with the most free nodes.
      int best = -1;
      long best_score = -1;
      for (int v : order) {
        if (v == u || taken[static_cast<size_t>(v)]) continue;
        const long score = ((met.count({std::min(u, v), std::max(u, v)}) ? 0 : 2) + (cross(u, v) ? 1 : 0)) * (n + 1L) +
                           (topology ? free_under[sw(v)] : 0);
        if (score > best_score) {
          best = v;
          best_score = score;
        }
      }
      if (best < 0) break;  // odd n: the last node sits this round out
      taken[static_cast<size_t>(u)] = taken[static_cast<size_t>(best)] = true;
      if (topology) {
        --free_under[sw(u)];
        --free_under[sw(best)];
      }
      matched += 2;
      m.emplace_back(std::min(u, best), std::max(u, best));
      met.insert(m.back());
    }
    std::sort(m.begin(), m.end());
    rounds.push_back(std::move(m));
  }
  return rounds;
}

std::vector<Matching> PairsSchedule(int nodes, int pair_rounds, int passes, uint64_t seed,
                                    const std::vector<int>& switch_of) {
  const std::vector<Matching> one =
      pair_rounds > 0 ? SampledMatchings(nodes, pair_rounds, seed, switch_of) : RoundRobinSchedule(nodes);
  std::vector<Matching> schedule;
  for (int p = 0; p < passes; ++p) schedule.insert(schedule.end(), one.begin(), one.end());
  return schedule;
}

std::vector<Matching> SplitIntoBatches(const Matching& round, int g, const std::vector<int>& switch_of) {
  if (g <= 1 || round.empty()) return {round};
  const size_t groups = static_cast<size_t>(g);
  std::vector<Matching> batches(groups);
  bool topology = !switch_of.empty();
  for (const auto& [a, b] : round) {
    if (a < 0 || b < 0 || static_cast<size_t>(std::max(a, b)) >= switch_of.size()) topology = false;
  }
  if (!topology) {
    for (size_t i = 0; i < round.size(); ++i) batches[i % groups].push_back(round[i]);
  } else {
    const size_t cap = (round.size() + groups - 1) / groups;
    std::vector<std::map<int, int>> load(groups);  // per batch: pairs crossing switches, per switch
    for (const auto& [a, b] : round) {
      const int sa = switch_of[static_cast<size_t>(a)], sb = switch_of[static_cast<size_t>(b)];
      const bool crosses = sa != sb;
      size_t best = groups;
      std::tuple<int, size_t, size_t> best_key{};
      for (size_t x = 0; x < groups; ++x) {
        if (batches[x].size() >= cap) continue;
        const int l = crosses ? load[x][sa] + load[x][sb] : 0;
        const auto key = std::make_tuple(l, batches[x].size(), x);
        if (best == groups || key < best_key) {
          best = x;
          best_key = key;
        }
      }
      batches[best].emplace_back(a, b);
      if (crosses) {
        ++load[best][sa];
        ++load[best][sb];
      }
    }
  }
  batches.erase(std::remove_if(batches.begin(), batches.end(), [](const Matching& m) { return m.empty(); }),
                batches.end());
  return batches;
}

std::vector<PairToConfirm> PairFigures(const std::vector<PairValue>& samples) {
  std::map<std::tuple<int, int, int>, std::vector<double>> per_pair;  // (a, b, rail)
  for (const PairValue& s : samples) {
    if (s.value > 0) per_pair[{s.a, s.b, s.rail}].push_back(s.value);
  }
  std::map<int, std::vector<double>> per_rail;
  std::map<std::tuple<int, int, int>, double> value;
  for (const auto& [key, v] : per_pair) {
    value[key] = Median(v);
    per_rail[std::get<2>(key)].push_back(value[key]);
  }
  std::map<int, double> reference;
  for (const auto& [rail, v] : per_rail) reference[rail] = Median(v);
  std::vector<PairToConfirm> out;
  for (const auto& [key, v] : value) {
    const auto [a, b, rail] = key;
    out.push_back({a, b, rail, static_cast<int>(per_pair[key].size()), v, reference[rail]});
  }
  return out;
}

std::vector<PairToConfirm> SlowPairs(const std::vector<PairValue>& samples, double slow_ratio) {
  std::vector<PairToConfirm> out;
  for (const auto& p : PairFigures(samples)) {
    if (p.value < slow_ratio * p.reference) out.push_back(p);
  }
  return out;
}

std::vector<std::pair<int, int>> HealthyPairs(const std::vector<PairValue>& samples, double slow_ratio) {
  std::map<std::pair<int, int>, bool> healthy;
  for (const auto& p : PairFigures(samples)) {
    auto [it, fresh] = healthy.try_emplace({p.a, p.b}, true);
    it->second = it->second && !(p.value < slow_ratio * p.reference);
  }
  std::vector<std::pair<int, int>> out;
  for (const auto& [ab, ok] : healthy) {
    if (ok) out.push_back(ab);
  }
  return out;
}

int ConfirmRepeats(const std::vector<PairToConfirm>& pairs) {
  if (pairs.empty()) return 0;
  int most = 0;
  for (const auto& p : pairs) most = std::max(most, p.measured);
  return std::max(2, most + 1);
}

std::vector<Matching> ConfirmationRounds(const std::vector<std::pair<int, int>>& pairs, int max_per_round,
                                         const std::vector<int>& switch_of, size_t rotation) {
  std::vector<Matching> rounds;
  if (pairs.empty()) return rounds;
  const size_t cap = static_cast<size_t>(std::max(1, max_per_round));
  bool topology = !switch_of.empty();
  for (const auto& [a, b] : pairs) {
    if (a < 0 || b < 0 || static_cast<size_t>(std::max(a, b)) >= switch_of.size()) topology = false;
  }
  std::vector<std::set<int>> nodes, switches;  // per round: nodes and switches in use
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [a, b] = pairs[(i + rotation) % pairs.size()];
    size_t r = 0;
    for (; r < rounds.size(); ++r) {
      if (rounds[r].size() >= cap || nodes[r].count(a) || nodes[r].count(b)) continue;
      if (topology && (switches[r].count(switch_of[static_cast<size_t>(a)]) ||
                       switches[r].count(switch_of[static_cast<size_t>(b)])))
        continue;
      break;
    }
    if (r == rounds.size()) {
      rounds.emplace_back();
      nodes.emplace_back();
      switches.emplace_back();
    }
    rounds[r].emplace_back(a, b);
    nodes[r].insert({a, b});
    if (topology) switches[r].insert({switch_of[static_cast<size_t>(a)], switch_of[static_cast<size_t>(b)]});
  }
  for (auto& m : rounds) std::sort(m.begin(), m.end());
  return rounds;
}

std::pair<int, int> ReferencePair(const Matching& round, const std::vector<std::pair<int, int>>& healthy,
                                  const std::vector<int>& switch_of, size_t* cursor) {
  std::set<int> nodes, switches;
  bool topology = !switch_of.empty();
  auto sw = [&](int x) { return switch_of[static_cast<size_t>(x)]; };
  auto known = [&](int x) { return x >= 0 && static_cast<size_t>(x) < switch_of.size(); };
  for (const auto& [a, b] : round) {
    nodes.insert({a, b});
    topology = topology && known(a) && known(b);
  }
  if (topology) {
    for (const auto& [a, b] : round) switches.insert({sw(a), sw(b)});
  }
  // First a pair under other switches; failing that (a fleet under one
  // leaf) any pair that shares no node: a yardstick beside the round is
  // worth more than none.
  for (const bool apart : {topology, false}) {
    for (size_t i = 0; i < healthy.size(); ++i) {
      const size_t at = (*cursor + i) % healthy.size();
      const auto [a, b] = healthy[at];
      if (nodes.count(a) || nodes.count(b)) continue;
      if (apart && (!known(a) || !known(b) || switches.count(sw(a)) || switches.count(sw(b)))) continue;
      *cursor = at + 1;
      return {a, b};
    }
  }
  return {-1, -1};
}

ConfirmationPlan PlanConfirmation(const std::vector<PairValue>& values, double slow_ratio, int nodes, int batches,
                                  const std::vector<int>& switch_of) {
  ConfirmationPlan plan;
  plan.slow = SlowPairs(values, slow_ratio);
  for (const auto& p : PairFigures(values)) plan.rail_median[p.rail] = p.reference;
  std::vector<std::pair<int, int>> pairs;  // node pairs, several rails once
  for (const auto& p : plan.slow) {
    if (pairs.empty() || pairs.back() != std::make_pair(p.a, p.b)) pairs.emplace_back(p.a, p.b);
  }
  const std::vector<std::pair<int, int>> healthy = HealthyPairs(values, slow_ratio);
  plan.repeats = ConfirmRepeats(plan.slow);
  const int per_batch = (nodes / 2 + batches - 1) / batches;
  const int cap = std::max(1, (per_batch + 3) / 4);
  size_t cursor = 0;
  for (int r = 0; r < plan.repeats; ++r) {
    for (Matching& m : ConfirmationRounds(pairs, cap, switch_of, static_cast<size_t>(r))) {
      const std::pair<int, int> yardstick = ReferencePair(m, healthy, switch_of, &cursor);
      plan.rounds.push_back({std::move(m), yardstick});
    }
  }
  return plan;
}

double SlowFraction(const FabricInjections& inj, const std::vector<int>& ranks) {
  auto has = [&](int r) { return std::find(ranks.begin(), ranks.end(), r) != ranks.end(); };
  double keep = 1;
  for (const auto& l : inj.links) {
    if (has(l.a) && has(l.b)) keep *= 1 - l.fraction;
  }
  for (const auto& nic : inj.nics) {
    if (has(nic.rank)) keep *= 1 - nic.fraction;
  }
  return 1 - keep;
}

namespace {

// Node names for reasons: the caller's names, or the indices.
struct Namer {
  const std::vector<std::string>& names;
  std::string operator()(int i) const {
    return i >= 0 && static_cast<size_t>(i) < names.size() ? names[static_cast<size_t>(i)] : std::to_string(i);
  }
  std::string operator()(const std::vector<int>& g) const {
    std::string o;
    for (int x : g) o += (o.empty() ? "" : ",") + (*this)(x);
    return "{" + o + "}";
  }
};

class Bisector {
 public:
  Bisector(int n, const MeasureGroups& measure, double slow_ratio, std::optional<double> absolute,
           const std::function<std::string(double)>& describe, int max_rounds, const std::vector<std::string>& names)
      : n_(n),
        measure_(measure),
        slow_ratio_(slow_ratio),
        absolute_(absolute),
        describe_(describe),
        max_rounds_(max_rounds),
        Nodes(names) {}

  BisectionResult Run() {
    std::vector<int> all(static_cast<size_t>(n_));
    for (int i = 0; i < n_; ++i) all[static_cast<size_t>(i)] = i;
    Search(all, /*known_slow=*/false);
    return std::move(result_);
  }

 private:
  struct Outcome {
    std::vector<bool> slow;  // per asked group
    std::vector<double> figures;
    bool judged = false;  // false: the round could not be run or judged (a note says why)
    double reference = 0;
  };

  bool Stopped() {
    if (static_cast<int>(result_.rounds.size()) < max_rounds_) return false;
    if (result_.note.empty()) {
      result_.note = fmt::format(
          "stopped after {} rounds: too many groups were slow to follow each (noise, or many culprits); use the "
          "pairs check",
          max_rounds_);
    }
    return true;
  }

  // Measures `groups` at once and judges each against the best of the round.
  // A lone group gets a reference group of cleared nodes beside it, so that
  // it has something to be compared with.
  Outcome Round(const std::string& purpose, std::vector<std::vector<int>> groups) {
    Outcome out;
    const size_t asked = groups.size();
    out.slow.assign(asked, false);
    out.figures.assign(asked, 0);
    std::vector<size_t> index;  // measured group -> asked group (or asked for the reference)
    std::vector<std::vector<int>> run;
    for (size_t i = 0; i < asked; ++i) {
      if (groups[i].size() < 2) continue;
      index.push_back(i);
      run.push_back(groups[i]);
    }
    if (run.empty()) return out;
    // A reference group of cleared nodes beside the round's groups, when
    // enough are left: every group of the round may hold a culprit (two bad
    // nodes, one in each half), and the round's reference must then
    // still be a healthy one. A lone group without one cannot be judged
    // (unless there is an absolute bound).
    {
      std::set<int> used;
      size_t largest = 0;
      for (const auto& g : run) {
        used.insert(g.begin(), g.end());
        largest = std::max(largest, g.size());
      }
      std::vector<int> ref;
      for (int x : cleared_) {
        if (!used.count(x) && ref.size() < largest) ref.push_back(x);
      }
      if (ref.size() == largest) {
        index.push_back(asked);
        run.push_back(ref);
      } else if (run.size() == 1 && !absolute_) {
        Note(fmt::format("{}: no cleared nodes left to compare {} with", purpose, Nodes(run[0])));
        return out;
      }
    }
    if (Stopped()) return out;
    BisectionRound r;
    r.purpose = purpose;
    r.groups = run;
    r.figures = measure_(run);
    r.figures.resize(run.size(), 0);
    Judge(&r);
    // Confirmation: a round that found a slow group is measured again and a
    // group is slow only when it is slow in both (its figure the better of
    // the two). A disturbed measurement (a shared machine's scheduler, a
    // neighbour's burst) then cannot send the search down a wrong branch;
    // it costs one round per slow step, none on the healthy paths.
    if (std::find(r.slow.begin(), r.slow.end(), true) != r.slow.end() && !Stopped()) {
      BisectionRound again;
      again.purpose = "confirm: " + purpose;
      again.groups = run;
      again.figures = measure_(run);
      again.figures.resize(run.size(), 0);
      for (size_t g = 0; g < run.size(); ++g) again.figures[g] = std::max(again.figures[g], r.figures[g]);
      result_.rounds.push_back(std::move(r));
      r = std::move(again);
      Judge(&r);
    }
    out.reference = r.reference;
    for (size_t g = 0; g < run.size(); ++g) {
      if (!r.slow[g]) cleared_.insert(run[g].begin(), run[g].end());
      if (index[g] < asked) {
        out.slow[index[g]] = r.slow[g];
        out.figures[index[g]] = r.figures[g];
      }
    }
    result_.rounds.push_back(std::move(r));
    out.judged = true;
    return out;
  }

  // Each group against the round's reference: its upper median group (the
  // better of two; with the reference group beside them, one lucky group
  // cannot make all the others look slow), and the absolute bound if any.
  void Judge(BisectionRound* r) const {
    std::vector<double> sorted = r->figures;
    std::sort(sorted.begin(), sorted.end());
    r->reference = sorted[sorted.size() / 2];
    r->slow.clear();
    for (double f : r->figures) {
      r->slow.push_back(f < slow_ratio_ * r->reference || (absolute_ && f < *absolute_));
    }
  }

  void Note(const std::string& s) { result_.note += (result_.note.empty() ? "" : "; ") + s; }

  std::string Why(double f, double ref) const {
    return fmt::format("{} against {} for the round's median group{}", describe_(f), describe_(ref),
                       absolute_ ? fmt::format(" (bound {})", describe_(*absolute_)) : "");
  }

  // S is slow as a group (or, at the top, the whole job, not known to be).
  void Search(const std::vector<int>& s, bool known_slow, double s_figure = 0, double s_ref = 0) {
    if (s.size() <= 3) {
      if (known_slow) Resolve(s, s_figure, s_ref);
      return;
    }
    const size_t h = s.size() / 2;
    std::vector<int> l(s.begin(), s.begin() + static_cast<long>(h)), r(s.begin() + static_cast<long>(h), s.end());
    Outcome o = Round(fmt::format("halves of {}", Nodes(s)), {l, r});
    if (!o.judged) return;
    if (o.slow[0]) Search(l, true, o.figures[0], o.reference);
    if (o.slow[1]) Search(r, true, o.figures[1], o.reference);
    if (!o.slow[0] && !o.slow[1]) Across(l, r, known_slow, s_figure, s_ref);
  }

  // L and R each run well alone; is the trouble between them?
  void Across(const std::vector<int>& l, const std::vector<int>& r, bool known_slow, double figure, double ref) {
    if (l.size() == 1 && r.size() == 1) {
      // The two ends, each with a cleared partner: a bad node shows there,
      // and only when neither is slow is it the link between them.
      if (known_slow) Resolve({std::min(l[0], r[0]), std::max(l[0], r[0])}, figure, ref);
      return;
    }
    auto half = [](const std::vector<int>& v, bool first) {
      const size_t h = (v.size() + 1) / 2;
      return first ? std::vector<int>(v.begin(), v.begin() + static_cast<long>(h))
                   : std::vector<int>(v.begin() + static_cast<long>(h), v.end());
    };
    const std::vector<int> l1 = half(l, true), l2 = half(l, false), r1 = half(r, true), r2 = half(r, false);
    auto join = [](std::vector<int> a, const std::vector<int>& b) {
      a.insert(a.end(), b.begin(), b.end());
      std::sort(a.begin(), a.end());
      return a;
    };
    bool found = false;
    const std::string purpose = fmt::format("across {} and {}", Nodes(l), Nodes(r));
    for (const auto& [a1, b1, a2, b2] : {std::make_tuple(l1, r1, l2, r2), std::make_tuple(l1, r2, l2, r1)}) {
      Outcome o = Round(purpose, {join(a1, b1), join(a2, b2)});
      if (!o.judged) return;
      if (o.slow[0] && !a1.empty() && !b1.empty()) {
        found = true;
        Across(a1, b1, true, o.figures[0], o.reference);
      }
      if (o.slow[1] && !a2.empty() && !b2.empty()) {
        found = true;
        Across(a2, b2, true, o.figures[1], o.reference);
      }
    }
    if (known_slow && !found) {
      Note(fmt::format("{} was slow as a group ({}) but no part of it was: not localised", Nodes(join(l, r)),
                       Why(figure, ref)));
    }
  }

  // A slow set of two or three nodes: each with a cleared partner; then, if
  // none is slow so, the links among them.
  void Resolve(const std::vector<int>& s, double figure, double ref) {
    // A node already named explains a slow set it is in.
    for (int x : s) {
      if (named_.count(x)) return;
    }
    std::vector<int> partners;
    for (int x : cleared_) {
      if (std::find(s.begin(), s.end(), x) == s.end()) partners.push_back(x);
    }
    if (partners.size() < s.size()) {
      Note(fmt::format("{} is slow, but too few nodes were cleared to tell which of them", Nodes(s)));
      return;
    }
    std::vector<std::vector<int>> groups;
    for (size_t i = 0; i < s.size(); ++i) groups.push_back({std::min(s[i], partners[i]), std::max(s[i], partners[i])});
    if (partners.size() >= s.size() + 2) groups.push_back({partners[s.size()], partners[s.size() + 1]});
    Outcome o = Round(fmt::format("resolve {}", Nodes(s)), groups);
    if (!o.judged) return;
    bool any = false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (!o.slow[i]) continue;
      any = true;
      named_.insert(s[i]);
      result_.culprits.push_back({false, s[i], -1,
                                  fmt::format("node {} is slow with a healthy partner (node {}): {}", Nodes(s[i]),
                                              Nodes(partners[i]), Why(o.figures[i], o.reference))});
    }
    if (any) return;
    if (s.size() == 2) {
      for (const auto& c : result_.culprits) {
        if (c.link && c.a == s[0] && c.b == s[1]) return;
      }
      result_.culprits.push_back(
          {true, s[0], s[1],
           fmt::format("nodes {} and {} run well with healthy partners but slow together: their group reached {}",
                       Nodes(s[0]), Nodes(s[1]), Why(figure, ref))});
      return;
    }
    for (size_t i = 0; i < s.size(); ++i) {
      for (size_t j = i + 1; j < s.size(); ++j) {
        Outcome p = Round(fmt::format("resolve {}", Nodes(s)), {{s[i], s[j]}});
        if (!p.judged) return;
        if (p.slow[0]) {
          result_.culprits.push_back(
              {true, s[i], s[j],
               fmt::format("nodes {} and {} run well with healthy partners but slow together: {}", Nodes(s[i]),
                           Nodes(s[j]), Why(p.figures[0], p.reference))});
        }
      }
    }
  }

  int n_;
  const MeasureGroups& measure_;
  double slow_ratio_;
  std::optional<double> absolute_;
  const std::function<std::string(double)>& describe_;
  int max_rounds_;
  Namer Nodes;
  std::set<int> cleared_;
  std::set<int> named_;  // nodes named culprits
  BisectionResult result_;
};

}  // namespace

BisectionResult Bisect(int n, const MeasureGroups& measure, double slow_ratio, std::optional<double> absolute,
                       const std::function<std::string(double)>& describe, int max_rounds,
                       const std::vector<std::string>& names) {
  if (n < 4) {
    BisectionResult r;
    r.note = fmt::format("bisection needs at least 4 nodes (two halves of two); the job has {}", n);
    return r;
  }
  return Bisector(n, measure, slow_ratio, absolute, describe, max_rounds, names).Run();
}

}  // namespace cb::acc
