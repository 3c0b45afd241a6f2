// Localisation: from pair bandwidths (every node paired with others, round
// after round, on every rail) name the culprit — a node, a NIC (node/rail), a
// link or switch of the fabric, or a pair that is slow alone — with the
// evidence that supports it. A pure function: no measurement, no
// communication, no topology code (the caller passes the routes as a
// function), so every rule is unit-tested and the simulator can check it at
// scale (tests/simulator/localize_scale_test.cc).
//
// Inputs and noise. A pair (a, b) on rail r may be measured in several rounds;
// its value is the median of its rounds, v(a,b,r), so one disturbed round does
// not make it slow. The rail's fleet median M_r is the median of v over every
// measured pair of rail r (rails may differ in speed; a pair is compared with
// its own rail). A pair is *slow* when
//     v(a,b,r) < slow_ratio · M_r                     (default slow_ratio 0.8)
// The median is robust: up to half the pairs can be slow before M_r moves.
// With multiplicative noise v = v_true·(1 + σ·z), a healthy pair measured
// once is slow with probability Φ(-(1 - slow_ratio)/σ): 3e-5 at σ = 5%, 4e-4
// at 6%, 6e-3 at 8% — times the number of pairs, the healthy pairs named as
// pair culprits. Measuring the slow pairs again (their median) is what
// tolerates more (docs/acceptance.md, "Localisation", has the numbers).
//
// Rules, applied in order; each slow pair is explained at most once.
//  1. Endpoint (node, NIC). For node n on rail r let E(n,r) be its measured
//     pairs on rail r and S(n,r) the slow ones. The NIC n/r is bad when
//         |E(n,r)| >= kMinPartners (2)  and  |S(n,r)| >= kEndpointFraction (0.75) · |E(n,r)|
//     ("slow with (nearly) every partner": 0.75, not 1, so that a noisy or
//     barely degraded NIC is still caught; a healthy node shares a pair with a
//     bad one, so its fraction is 1/|E|, at most 1/2 once it has two partners,
//     and never reaches 0.75). One partner cannot tell a node from a pair.
//     NICs passing on these counts are accepted strongest first (most slow
//     pairs, then fraction), each judged again on the pairs whose partner is
//     not already accepted: a healthy node that met two bad ones is cleared.
//     A node whose NICs are bad on every rail is a node culprit; otherwise
//     each bad NIC is a NIC culprit. The NIC, its cable, the switch port and
//     the access link are indistinguishable by pair measurements: all make
//     every pair of that NIC slow; the verdict names the NIC.
//  2. Link (only with `route`). Boolean network tomography: a path is slow iff
//     some element on it is bad; find the smallest set of elements that
//     explains the slow paths (Duffield, "Network Tomography of Binary Network
//     Performance Characteristics", IEEE Trans. Inf. Theory 52(12), 2006;
//     Kompella et al., "Detection and Localization of Network Black Holes",
//     INFOCOM 2007, and NetBouncer, Tan et al., NSDI 2019, use the same greedy
//     hitting set over the routes of failed probes in data-centre fabrics).
//     For each element l (a link or a switch, whatever `route` returns) let
//     T(l) be the pairs not explained by rule 1 whose route crosses l and
//     S(l) the slow ones. Candidates are elements with
//         |S(l)| >= kMinLinkSupport (2)  and  |S(l)| >= kLinkFraction (0.5) · |T(l)|
//     ("predominantly slow while others are not": a healthy link shared with a
//     bad one carries mostly healthy pairs). Greedy: repeatedly take the
//     candidate explaining the most slow pairs not yet explained (ties: the
//     higher fraction, then the name), until none explains kMinLinkSupport
//     more (the greedy set cover is within ln(n) of the smallest cover;
//     Chvátal 1979). An element whose pairs are exactly those of the chosen one is
//     listed in the reason as indistinguishable from it.
//  3. Pair. A slow pair that no rule explained is a pair culprit.
//
// Evidence: `supporting_pairs` of `examined_pairs` — for a NIC the slow of its
// pairs on that rail; for a node the slow of its pairs on all rails; for a
// link S(l) of T(l); for a pair 1 of the pairs its two nodes have on that rail
// (their other pairs being healthy is what clears the nodes). `ratio` is the
// median of the supporting pairs' values over the fleet median.
//
// Limits: a culprit is found only when enough of its pairs are measured (one
// link needs two slow pairs crossing it; a NIC two partners); two bad elements
// always crossed together cannot be told apart; a slowdown smaller than
// 1 - slow_ratio is not seen; a bad switch under which every node is slow is
// named as its nodes (rule 1 comes first). docs/acceptance.md (Localisation)
// has the costs and the rounds needed at scale.
#ifndef CLUSTERBENCH_ACCEPTANCE_LOCALIZE_H_
#define CLUSTERBENCH_ACCEPTANCE_LOCALIZE_H_

#include <functional>
#include <string>
#include <vector>

#include "core/fabric_culprit.h"

namespace cb::acceptance {

// One measured pair bandwidth: node indices a < b, one round, one rail.
struct PairSample {
  int a = -1, b = -1;
  int rail = 0;
  double gbps = 0;
};

struct LocalizeInput {
  std::vector<std::string> nodes;  // node names, index = node id
  int rails = 1;
  std::vector<PairSample> samples;  // every measured pair (a pair may appear in several rounds)
  // Optional: the links the traffic of pair (a, b) on `rail` crosses (topology routes); empty function = no topology.
  std::function<std::vector<std::string>(int a, int b, int rail)> route;
  double slow_ratio = 0.8;  // a pair slower than slow_ratio x the fleet's median pair is slow
};

struct Culprit {
  using Kind = CulpritKind;  // core/fabric_culprit.h: the names validate stores
  Kind kind = Kind::kNode;
  std::string name;  // node name, "node/rail R", link name, or "A<->B"
  int node = -1, rail = -1, a = -1, b = -1;
  int supporting_pairs = 0, examined_pairs = 0;  // evidence: slow pairs that support the verdict, of those examined
  double ratio = 0;                              // median slow-pair bandwidth / fleet median
  std::string reason;                            // plain words
};

// The thresholds of the rules above (documented there).
inline constexpr int kMinPartners = 2;
inline constexpr double kEndpointFraction = 0.75;
inline constexpr int kMinLinkSupport = 2;
inline constexpr double kLinkFraction = 0.5;

using cb::CulpritKindName;  // node, nic, link, pair

// The culprits, in rule order (nodes and NICs, links, pairs), each group by
// name. Empty when no pair is slow. Throws cb::UsageError when a sample names
// a node outside `nodes`, has a >= b, a rail outside [0, rails), or a
// non-positive bandwidth.
std::vector<Culprit> Localize(const LocalizeInput& in);

}  // namespace cb::acceptance

#endif  // CLUSTERBENCH_ACCEPTANCE_LOCALIZE_H_
