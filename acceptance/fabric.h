// Fabric localisation checks that name the culprit (issue 19): the schedule of
// the `pairs` check, the bisection search, and the self-test injections that
// slow a link or a NIC. Pure functions: no measurement, no communication; the
// runner (runner.cc) measures what they plan, and localize.h judges pairs.
//
// Pairs schedule. Round-robin tournament by the circle method (Kirkman 1847;
// e.g. Harary and Moser, "The theory of round robin tournaments", Amer. Math.
// Monthly 73, 1966): fix node 0, place the others on a circle and rotate it one
// step per round; round k pairs position i with position n-1-i. Every pair of
// n nodes meets exactly once in n-1 rounds (n even); an odd n gets a ghost
// node, and whoever meets it sits the round out (a bye), so n rounds. Cost:
// rounds x (one exchange per pair, all pairs of a round at once).
// `rounds: K` samples K perfect matchings instead (O(K·N) pairs, each node
// meets K partners): a seeded shuffle (mt19937_64, so a seed gives the same
// schedule on every machine), then each node in turn takes the first free
// partner it has not met, preferring one under another switch when the
// switches are known (a pair under one leaf never crosses the spine).
//
// Bisection (for a job that fails as a whole). A "group" is a set of nodes that
// runs the check on its own, several disjoint groups at once (one round).
// A group is slow when its figure is below slow_ratio x the upper median group of its
// round (or below the absolute bound, when the check has one). Search(S):
// halve S into L, R and measure both; recurse into each slow half. When
// neither half is slow the trouble lies *between* them (cross-boundary
// probing): split L = L1+L2, R = R1+R2 and measure L1+R1 with L2+R2, then
// L1+R2 with L2+R1 (two rounds cover every way across); a slow union is
// searched the same way, down to one node on each side: that link. A slow set
// of two or three nodes is resolved by pairing each of its nodes with a node
// already cleared (a member of a group that was not slow): a node slow with a
// healthy partner is the culprit; when none is, the link between them is.
// A round that finds a slow group is measured again (confirmation): a group
// is slow only when slow in both. One culprit then costs about 2·log2 N
// rounds (log2 N steps, each confirmed, for a node; for a link the two cross
// rounds per step, one of them confirmed, and the resolving round); a healthy
// job 3 (the halves and the two cross rounds).
#ifndef CLUSTERBENCH_ACCEPTANCE_FABRIC_H_
#define CLUSTERBENCH_ACCEPTANCE_FABRIC_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cb::acc {

// One round of a schedule: disjoint node pairs (a < b).
using Matching = std::vector<std::pair<int, int>>;

// The circle method: n-1 rounds for even n, n for odd n (each node one bye).
std::vector<Matching> RoundRobinSchedule(int n);

// `k` matchings of n nodes, sampled with `seed`. `switch_of` (empty, or one
// entry per node) names each node's switch: pairs crossing switches first.
// Pairs met in an earlier sampled round are avoided while others are free.
std::vector<Matching> SampledMatchings(int n, int k, uint64_t seed, const std::vector<int>& switch_of = {});

// A fabric's shape as the pairs check uses it: the switch each node hangs
// off (empty: unknown) and the links (names) the traffic of a pair of nodes
// on a rail crosses (null: unknown); `note` says what is missing and why.
struct FabricTopology {
  std::vector<int> switch_of;
  std::function<std::vector<std::string>(int a, int b, int rail)> route;
  std::string note;
};

// ---------------------------------------------------------------- injections

// `--inject slowlink:A:B:F` (the pair of ranks A, B) and `slownic:R:F` (every
// pair and group with rank R). F in (0, 1): the share of throughput taken
// away, so the time of what they touch grows by 1 / (1 - F).
struct FabricInjections {
  struct Link {
    int a = -1, b = -1;
    double fraction = 0;
  };
  struct Nic {
    int rank = -1;
    double fraction = 0;
  };
  std::vector<Link> links;
  std::vector<Nic> nics;
  bool empty() const { return links.empty() && nics.empty(); }
};

// The share of throughput taken from traffic among `ranks` (a pair, or a
// group running a collective, whose traffic is taken to cross every link
// between its members): the injections that touch it compound,
// 1 - prod(1 - F). 0 when none does.
double SlowFraction(const FabricInjections& inj, const std::vector<int>& ranks);

// ---------------------------------------------------------------- bisection

struct BisectionRound {
  std::string purpose;                   // "halves of 8 nodes", "across 4+4", "resolve 2 nodes"
  std::vector<std::vector<int>> groups;  // node indices
  std::vector<double> figures;           // per group, the check's figure (SI)
  std::vector<bool> slow;
  double reference = 0;  // the round's upper median figure, that slow_ratio applies to
};

struct BisectionCulprit {
  bool link = false;  // false: node `a`; true: the link between nodes a and b
  int a = -1, b = -1;
  std::string reason;  // plain words, with the figures that support it
};

struct BisectionResult {
  std::vector<BisectionRound> rounds;
  std::vector<BisectionCulprit> culprits;
  std::string note;  // what could not be settled, if anything
};

// Measures disjoint groups at once, returns one figure per group (higher is
// better). Every group has at least two nodes.
using MeasureGroups = std::function<std::vector<double>(const std::vector<std::vector<int>>& groups)>;

// Runs the search above over nodes 0..n-1 (n >= 4; fewer: a note, no
// rounds). `describe` formats a figure for reasons; `absolute` (when set) is a
// bound every group must reach; `max_rounds` stops a search that runs away
// (noise making many groups slow), with a note.
// `names` (empty, or one per node) names the nodes in reasons and purposes.
BisectionResult Bisect(int n, const MeasureGroups& measure, double slow_ratio, std::optional<double> absolute,
                       const std::function<std::string(double)>& describe, int max_rounds = 64,
                       const std::vector<std::string>& names = {});

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_FABRIC_H_
