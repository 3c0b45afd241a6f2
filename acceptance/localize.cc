// Localisation rules: see localize.h for the maths and sources.
#include "acceptance/localize.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <unordered_map>

#include "core/error.h"

namespace cb::acceptance {
namespace {

// One pair on one rail, its rounds reduced to their median.
struct Pair {
  int a = -1, b = -1, rail = 0;
  int rounds = 0, slow_rounds = 0;
  double norm = 0;  // median over rounds / the rail's fleet median
  bool slow = false;
  bool explained = false;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (v.size() % 2 == 1) return hi;
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + hi) / 2;
}

void CheckInput(const LocalizeInput& in) {
  const int n = static_cast<int>(in.nodes.size());
  if (in.rails < 1) throw UsageError(fmt::format("localize: {} rails; at least one is needed", in.rails));
  if (!(in.slow_ratio > 0 && in.slow_ratio < 1)) {
    throw UsageError(fmt::format("localize: slow_ratio {} is not in (0, 1)", in.slow_ratio));
  }
  for (size_t i = 0; i < in.samples.size(); ++i) {
    const PairSample& s = in.samples[i];
    if (s.a < 0 || s.b >= n || s.a >= s.b) {
      throw UsageError(
          fmt::format("localize: sample {} pairs nodes {} and {}; expected 0 <= a < b < {}", i, s.a, s.b, n));
    }
    if (s.rail < 0 || s.rail >= in.rails) {
      throw UsageError(
          fmt::format("localize: sample {} is on rail {}; the fleet has rails 0..{}", i, s.rail, in.rails - 1));
    }
    if (!(s.gbps > 0) || !std::isfinite(s.gbps)) {
      throw UsageError(fmt::format("localize: sample {} ({}<->{} rail {}) has bandwidth {}; expected > 0", i,
                                   in.nodes[static_cast<size_t>(s.a)], in.nodes[static_cast<size_t>(s.b)], s.rail,
                                   s.gbps));
    }
  }
}

// Every measured (a, b, rail) with the median of its rounds, compared with its
// rail's fleet median.
std::vector<Pair> AggregatePairs(const LocalizeInput& in) {
  const auto n = static_cast<uint64_t>(in.nodes.size());
  std::unordered_map<uint64_t, size_t> index;
  std::vector<Pair> pairs;
  std::vector<std::vector<double>> values;
  for (const PairSample& s : in.samples) {
    const uint64_t key =
        (static_cast<uint64_t>(s.rail) * n + static_cast<uint64_t>(s.a)) * n + static_cast<uint64_t>(s.b);
    auto [it, fresh] = index.try_emplace(key, pairs.size());
    if (fresh) {
      pairs.push_back({s.a, s.b, s.rail});
      values.emplace_back();
    }
    values[it->second].push_back(s.gbps);
  }
  std::vector<std::vector<double>> per_rail(static_cast<size_t>(in.rails));
  std::vector<double> value(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    value[i] = Median(values[i]);
    per_rail[static_cast<size_t>(pairs[i].rail)].push_back(value[i]);
  }
  std::vector<double> fleet(per_rail.size());
  for (size_t r = 0; r < per_rail.size(); ++r) fleet[r] = Median(per_rail[r]);
  for (size_t i = 0; i < pairs.size(); ++i) {
    Pair& p = pairs[i];
    const double m = fleet[static_cast<size_t>(p.rail)];
    p.norm = value[i] / m;
    p.slow = p.norm < in.slow_ratio;
    p.rounds = static_cast<int>(values[i].size());
    for (double v : values[i]) p.slow_rounds += v < in.slow_ratio * m ? 1 : 0;
  }
  return pairs;
}

Culprit NewCulprit(Culprit::Kind kind, std::string name) {
  Culprit c;
  c.kind = kind;
  c.name = std::move(name);
  return c;
}

struct Endpoint {
  int examined = 0, slow = 0;
  std::vector<size_t> pairs;  // indices into the pairs
};

// Per (node, rail), node-major: its pairs, how many were examined, how many are slow.
std::vector<Endpoint> CountEndpoints(size_t nodes, int rails, const std::vector<Pair>& pairs) {
  std::vector<Endpoint> ep(nodes * static_cast<size_t>(rails));
  for (size_t i = 0; i < pairs.size(); ++i) {
    for (int node : {pairs[i].a, pairs[i].b}) {
      Endpoint& e = ep[static_cast<size_t>(node) * static_cast<size_t>(rails) + static_cast<size_t>(pairs[i].rail)];
      ++e.examined;
      e.slow += pairs[i].slow ? 1 : 0;
      e.pairs.push_back(i);
    }
  }
  return ep;
}

// The endpoints slow with (nearly) every partner. Candidates on the raw
// counts, then accepted strongest first, each judged again on the pairs no
// accepted NIC explains: a healthy node that met two bad ones is then left
// with nothing slow.
std::vector<bool> BadEndpoints(const std::vector<Endpoint>& ep, int rails, const std::vector<Pair>& pairs) {
  auto passes = [](int slow, int examined) {
    return slow >= 1 && static_cast<double>(slow) >= kEndpointFraction * static_cast<double>(examined);
  };
  std::vector<size_t> candidates;
  for (size_t k = 0; k < ep.size(); ++k) {
    if (ep[k].examined >= kMinPartners && passes(ep[k].slow, ep[k].examined)) candidates.push_back(k);
  }
  std::sort(candidates.begin(), candidates.end(), [&](size_t x, size_t y) {
    const double fx = static_cast<double>(ep[x].slow) / ep[x].examined;
    const double fy = static_cast<double>(ep[y].slow) / ep[y].examined;
    return std::tie(ep[y].slow, fy, x) < std::tie(ep[x].slow, fx, y);
  });
  std::vector<bool> bad(ep.size(), false);
  for (size_t k : candidates) {
    int slow = 0, examined = 0;
    for (size_t i : ep[k].pairs) {
      const Pair& p = pairs[i];
      const size_t other = static_cast<size_t>(p.a + p.b - static_cast<int>(k / static_cast<size_t>(rails)));
      if (bad[other * static_cast<size_t>(rails) + static_cast<size_t>(p.rail)]) continue;
      ++examined;
      slow += p.slow ? 1 : 0;
    }
    if (passes(slow, examined)) bad[k] = true;
  }
  return bad;
}

// The median normalised figure of an endpoint's slow pairs, appended to `out`.
void AddSlowNorms(const Endpoint& e, const std::vector<Pair>& pairs, std::vector<double>* out) {
  for (size_t i : e.pairs) {
    if (pairs[i].slow) out->push_back(pairs[i].norm);
  }
}

// A node all of whose rails are bad: the node itself. `ep` holds its rails.
Culprit NodeCulprit(const std::string& name, int node, const Endpoint* ep, int rails, const std::vector<Pair>& pairs) {
  Culprit c = NewCulprit(Culprit::Kind::kNode, name);
  c.node = node;
  std::vector<double> norms;
  for (int r = 0; r < rails; ++r) {
    c.supporting_pairs += ep[r].slow;
    c.examined_pairs += ep[r].examined;
    AddSlowNorms(ep[r], pairs, &norms);
  }
  c.ratio = Median(norms);
  c.reason = fmt::format(
      "{} of its {} pairs are slow ({:.2f}x the fleet median), with (nearly) every partner{}: the node itself, "
      "not a partner or a link",
      c.supporting_pairs, c.examined_pairs, c.ratio, rails > 1 ? fmt::format(" on all {} rails", rails) : "");
  return c;
}

// One bad rail of a node whose other rails are not: its NIC of that rail.
Culprit NicCulprit(const std::string& name, int node, int rail, const Endpoint* ep, int rails,
                   const std::vector<Pair>& pairs) {
  const Endpoint& e = ep[rail];
  Culprit c = NewCulprit(Culprit::Kind::kNic, fmt::format("{}/rail {}", name, rail));
  c.node = node;
  c.rail = rail;
  c.supporting_pairs = e.slow;
  c.examined_pairs = e.examined;
  std::vector<double> norms;
  AddSlowNorms(e, pairs, &norms);
  c.ratio = Median(norms);
  int other_slow = 0, other_examined = 0;
  for (int q = 0; q < rails; ++q) {
    if (q == rail) continue;
    other_slow += ep[q].slow;
    other_examined += ep[q].examined;
  }
  c.reason = fmt::format(
      "{} of its {} pairs on rail {} are slow ({:.2f}x the fleet median), {} of {} on its other rails: its NIC of "
      "rail {} (or that NIC's cable or switch port, which pair measurements cannot tell apart)",
      c.supporting_pairs, c.examined_pairs, rail, c.ratio, other_slow, other_examined, rail);
  return c;
}

// Rule 1: NICs slow with (nearly) every partner; a node when all its rails
// are. Marks the pairs they explain.
std::vector<Culprit> FindEndpoints(const LocalizeInput& in, std::vector<Pair>& pairs) {
  const int rails = in.rails;
  const size_t rs = static_cast<size_t>(rails);
  const std::vector<Endpoint> ep = CountEndpoints(in.nodes.size(), rails, pairs);
  const std::vector<bool> bad = BadEndpoints(ep, rails, pairs);
  for (Pair& p : pairs) {
    const size_t r = static_cast<size_t>(p.rail);
    if (bad[static_cast<size_t>(p.a) * rs + r] || bad[static_cast<size_t>(p.b) * rs + r]) p.explained = true;
  }
  std::vector<Culprit> out;
  for (size_t node = 0; node < in.nodes.size(); ++node) {
    int bad_rails = 0;
    for (size_t r = 0; r < rs; ++r) bad_rails += bad[node * rs + r];
    if (bad_rails == 0) continue;
    const Endpoint* mine = &ep[node * rs];
    if (bad_rails == rails) {
      out.push_back(NodeCulprit(in.nodes[node], static_cast<int>(node), mine, rails, pairs));
      continue;
    }
    for (int r = 0; r < rails; ++r) {
      if (bad[node * rs + static_cast<size_t>(r)])
        out.push_back(NicCulprit(in.nodes[node], static_cast<int>(node), r, mine, rails, pairs));
    }
  }
  return out;
}

// Rule 2: the greedy hitting set over the routes of the slow pairs.
std::vector<Culprit> FindLinks(const LocalizeInput& in, std::vector<Pair>& pairs) {
  std::unordered_map<std::string, int> id;
  std::vector<std::string> names;
  std::vector<std::vector<size_t>> crossing;  // per element: the unexplained pairs whose route crosses it
  std::vector<std::vector<int>> route(pairs.size());
  for (size_t i = 0; i < pairs.size(); ++i) {
    if (pairs[i].explained) continue;
    std::vector<std::string> links = in.route(pairs[i].a, pairs[i].b, pairs[i].rail);
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());  // a pair counts once per element
    for (std::string& l : links) {
      auto [it, fresh] = id.try_emplace(l, static_cast<int>(names.size()));
      if (fresh) {
        names.push_back(std::move(l));
        crossing.emplace_back();
      }
      crossing[static_cast<size_t>(it->second)].push_back(i);
      route[i].push_back(it->second);
    }
  }
  const size_t elements = names.size();
  std::vector<int> slow(elements, 0);
  std::vector<size_t> candidates;
  for (size_t l = 0; l < elements; ++l) {
    for (size_t i : crossing[l]) slow[l] += pairs[i].slow ? 1 : 0;
    const double total = static_cast<double>(crossing[l].size());
    if (slow[l] >= kMinLinkSupport && static_cast<double>(slow[l]) >= kLinkFraction * total) candidates.push_back(l);
  }
  std::vector<Culprit> out;
  while (true) {
    size_t best = elements;
    int best_gain = 0;
    double best_fraction = 0;
    for (size_t l : candidates) {
      int gain = 0;
      for (size_t i : crossing[l]) gain += pairs[i].slow && !pairs[i].explained ? 1 : 0;
      const double fraction = static_cast<double>(slow[l]) / static_cast<double>(crossing[l].size());
      if (std::tie(gain, fraction) > std::tie(best_gain, best_fraction) ||
          (gain == best_gain && fraction == best_fraction && best < elements && names[l] < names[best])) {
        best = l;
        best_gain = gain;
        best_fraction = fraction;
      }
    }
    // New evidence must meet the support threshold on its own.
    if (best == elements || best_gain < kMinLinkSupport) break;
    // Elements crossed by exactly the same pairs cannot be told apart.
    std::vector<int> together(elements, 0);
    for (size_t i : crossing[best]) {
      for (int e : route[i]) ++together[static_cast<size_t>(e)];
    }
    std::vector<std::string> twins;
    for (size_t e = 0; e < elements; ++e) {
      if (e != best && together[e] == static_cast<int>(crossing[best].size()) &&
          crossing[e].size() == crossing[best].size()) {
        twins.push_back(names[e]);
      }
    }
    Culprit c = NewCulprit(Culprit::Kind::kLink, names[best]);
    c.supporting_pairs = slow[best];
    c.examined_pairs = static_cast<int>(crossing[best].size());
    std::vector<double> norms;
    int rail = -2;
    for (size_t i : crossing[best]) {
      Pair& p = pairs[i];
      rail = rail == -2 || rail == p.rail ? p.rail : -1;
      if (!p.slow) continue;
      norms.push_back(p.norm);
      p.explained = true;
    }
    c.rail = rail < 0 ? -1 : rail;
    c.ratio = Median(norms);
    c.reason = fmt::format(
        "{} of the {} pairs whose route crosses it are slow ({:.2f}x the fleet median), explaining {} slow pairs "
        "that no node or NIC does",
        c.supporting_pairs, c.examined_pairs, c.ratio, best_gain);
    if (!twins.empty()) {
      c.reason += fmt::format("; indistinguishable from {} (crossed by the same pairs)", fmt::join(twins, ", "));
    }
    out.push_back(std::move(c));
  }
  return out;
}

// Rule 3: slow pairs nothing else explains, one culprit per node pair (all
// its slow rails).
std::vector<Culprit> FindPairs(const LocalizeInput& in, const std::vector<Pair>& pairs) {
  const size_t n = in.nodes.size();
  std::vector<int> examined(n * static_cast<size_t>(in.rails), 0);
  for (const Pair& p : pairs) {
    for (int node : {p.a, p.b})
      ++examined[static_cast<size_t>(node) * static_cast<size_t>(in.rails) + static_cast<size_t>(p.rail)];
  }
  std::vector<const Pair*> alone;
  for (const Pair& p : pairs) {
    if (p.slow && !p.explained) alone.push_back(&p);
  }
  std::sort(alone.begin(), alone.end(),
            [](const Pair* x, const Pair* y) { return std::tie(x->a, x->b, x->rail) < std::tie(y->a, y->b, y->rail); });
  std::vector<Culprit> out;
  for (size_t i = 0; i < alone.size();) {
    size_t j = i;
    Culprit c = NewCulprit(Culprit::Kind::kPair, fmt::format("{}<->{}", in.nodes[static_cast<size_t>(alone[i]->a)],
                                                             in.nodes[static_cast<size_t>(alone[i]->b)]));
    c.a = alone[i]->a;
    c.b = alone[i]->b;
    c.rail = alone[i]->rail;
    std::vector<double> norms;
    std::vector<std::string> rails;
    int rounds = 0, slow_rounds = 0;
    for (; j < alone.size() && alone[j]->a == c.a && alone[j]->b == c.b; ++j) {
      const Pair& p = *alone[j];
      if (p.rail != c.rail) c.rail = -1;
      ++c.supporting_pairs;
      // The pair itself and the other pairs of its two nodes on this rail.
      const size_t rs = static_cast<size_t>(in.rails), r = static_cast<size_t>(p.rail);
      c.examined_pairs += examined[static_cast<size_t>(p.a) * rs + r] + examined[static_cast<size_t>(p.b) * rs + r] - 1;
      norms.push_back(p.norm);
      rails.push_back(std::to_string(p.rail));
      rounds += p.rounds;
      slow_rounds += p.slow_rounds;
    }
    c.ratio = Median(norms);
    c.reason = fmt::format(
        "slow alone: {:.2f}x the fleet median{} (slow in {} of {} rounds) while the other {} pairs of these two nodes "
        "are not",
        c.ratio, in.rails > 1 ? fmt::format(" on rail(s) {}", fmt::join(rails, ", ")) : "", slow_rounds, rounds,
        c.examined_pairs - c.supporting_pairs);
    out.push_back(std::move(c));
    i = j;
  }
  return out;
}

void SortByName(std::vector<Culprit>* c) {
  std::stable_sort(c->begin(), c->end(), [](const Culprit& x, const Culprit& y) { return x.name < y.name; });
}

}  // namespace

std::vector<Culprit> Localize(const LocalizeInput& in) {
  CheckInput(in);
  std::vector<Pair> pairs = AggregatePairs(in);
  if (std::none_of(pairs.begin(), pairs.end(), [](const Pair& p) { return p.slow; })) return {};
  std::vector<Culprit> out = FindEndpoints(in, pairs);
  SortByName(&out);
  if (in.route) {
    std::vector<Culprit> links = FindLinks(in, pairs);
    SortByName(&links);
    out.insert(out.end(), links.begin(), links.end());
  }
  std::vector<Culprit> alone = FindPairs(in, pairs);
  out.insert(out.end(), alone.begin(), alone.end());
  return out;
}

}  // namespace cb::acceptance
