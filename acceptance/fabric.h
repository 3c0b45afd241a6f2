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
#include <map>
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

// The pairs check's schedule: `pair_rounds` sampled matchings (> 0; across
// switches first with `switch_of`) or else the round-robin tournament, all of
// it `passes` times over (a pair's figure is the median of its passes, so
// one disturbed round does not make it slow).
std::vector<Matching> PairsSchedule(int nodes, int pair_rounds, int passes, uint64_t seed,
                                    const std::vector<int>& switch_of = {});

// `batches: G`. A round's pairs run in G batches one after another, so that
// fewer of them share a link at once: on a fabric with static ECMP hashing
// all pairs of a round at once collide on up links, and at 4,096 nodes most
// healthy pairs then measure slow (docs/acceptance.md, Localisation,
// Contention). Without switches (`switch_of` empty) pair i goes to batch
// i mod G. With switches, each pair joins the batch (of at most ceil(P/G)
// pairs) where its two switches already have the fewest pairs crossing
// switches (ties: the smaller batch, then the lower index): a switch's up
// links collide more the more of its nodes send up at once, so spreading
// them evenly over the batches keeps every batch's load as low as the G
// allows. A pair under one switch crosses no up link and adds no load.
// Empty batches (G above the round's pairs) are dropped: each pair alone.
// Returns {round} for g <= 1. Every batch keeps the round's pair order.
std::vector<Matching> SplitIntoBatches(const Matching& round, int g, const std::vector<int>& switch_of = {});

// A pair (nodes a < b, one rail) that the confirmation measures again: its
// measurements so far, their median and the rail's median pair (the
// reference that slow_ratio applies to, as localize.h judges it).
struct PairToConfirm {
  int a = -1, b = -1, rail = 0;
  int measured = 0;
  double value = 0, reference = 0;
};

// One measurement of a pair: nodes a < b, rail, bandwidth (any unit, > 0;
// others are ignored as failed measurements).
struct PairValue {
  int a = -1, b = -1, rail = 0;
  double value = 0;
};

// Every measured (pair, rail): the median of its measurements and its rail's
// median pair, ordered by (a, b, rail).
std::vector<PairToConfirm> PairFigures(const std::vector<PairValue>& samples);

// The pairs slow after the rounds: median of a pair's measurements below
// slow_ratio x its rail's median pair (localize.h's rule, so exactly the
// pairs Localize would judge slow), ordered by (a, b, rail).
std::vector<PairToConfirm> SlowPairs(const std::vector<PairValue>& samples, double slow_ratio);

// Node pairs slow on no rail they were measured on (so no pair of a slow node
// or NIC is among them), ordered by (a, b).
std::vector<std::pair<int, int>> HealthyPairs(const std::vector<PairValue>& samples, double slow_ratio);

// Times the confirmation measures each pair: at least once more than the
// rounds measured the most-measured of them, and at least twice, so that the
// confirmation's measurements are the majority of every pair and set its
// median (as tests/simulator/localize_scale_test.cc confirms). 0 when none.
int ConfirmRepeats(const std::vector<PairToConfirm>& pairs);

// The confirmation's rounds for node pairs `pairs` (a < b; several rails of
// one node pair count once): each round holds pairs that share no node, at
// most `max_per_round` of them, and with switches (`switch_of`) no two pairs
// of a round touch the same switch, so their traffic shares no up link.
// Greedy first fit in the order given; `rotation` starts the order there, so
// that repeats pair different neighbours (with static hashing the same
// neighbours would collide the same way every time).
std::vector<Matching> ConfirmationRounds(const std::vector<std::pair<int, int>>& pairs, int max_per_round,
                                         const std::vector<int>& switch_of = {}, size_t rotation = 0);

// A healthy pair to measure beside a confirmation round, as its yardstick: a
// round of few pairs runs in other conditions than a batch of the rounds
// (less contention on a fabric; on ranks sharing cores, more CPU each), so
// the confirmation's figures are scaled by the rail's median pair of the
// rounds over the yardsticks' median figure (runner.cc ConfirmSlowPairs):
// comparable with the rounds' figures. The first of `healthy`, from *cursor
// on (wrapping; each call moves past the one taken, so repeats use different
// yardsticks), that shares no node with the round and, with switches, no
// switch; failing that (a fleet under one leaf), the first that shares no
// node. {-1, -1} when none does (a fleet too small): the round's figures
// are taken as measured.
std::pair<int, int> ReferencePair(const Matching& round, const std::vector<std::pair<int, int>>& healthy,
                                  const std::vector<int>& switch_of, size_t* cursor);

// One round of the confirmation: the node pairs measured again, and the
// healthy pair measured beside them as the yardstick ({-1, -1}: none).
struct ConfirmationRound {
  Matching pairs;
  std::pair<int, int> yardstick{-1, -1};
};

// What the confirmation measures (rank 0 plans it from the rounds' figures):
// the (pair, rail)s slow after the rounds (SlowPairs), each rail's median
// pair (PairFigures' reference: the yardsticks' figures are scaled to it),
// and ConfirmRepeats(slow) repeats of rounds of node-disjoint slow pairs,
// at most a quarter of a batch's pairs each (`nodes` / 2 pairs in
// `batches` batches), every round with a healthy yardstick (ReferencePair).
// No rounds when no pair is slow.
struct ConfirmationPlan {
  std::vector<PairToConfirm> slow;
  std::map<int, double> rail_median;
  int repeats = 0;
  std::vector<ConfirmationRound> rounds;
};
ConfirmationPlan PlanConfirmation(const std::vector<PairValue>& values, double slow_ratio, int nodes, int batches,
                                  const std::vector<int>& switch_of = {});

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
