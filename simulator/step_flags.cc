#include "simulator/step_flags.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <sstream>

#include "core/error.h"
#include "simulator/measured_fleet.h"

namespace cb::sim {

Straggler ParseStraggler(const std::string& text, const Scenario& s) {
  // RANK:FRACTION (a GPU's global rank), or DP_RANK:PP_STAGE:FRACTION, e.g.
  // 3:0:0.2 = replica 3, stage 0, 20% slower.
  Straggler g;
  const auto colons = std::count(text.begin(), text.end(), ':');
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (colons == 1) {
    int64_t rank = -1;
    if (!(in >> rank >> c1 >> g.slowdown) || c1 != ':' || !in.eof()) {
      throw UsageError(fmt::format("--straggler '{}': expected RANK:FRACTION, e.g. 1234:0.2", text));
    }
    const int64_t gpus = s.par.tp * s.par.cp * s.par.dp * s.par.pp;
    if (rank < 0 || rank >= gpus) {
      throw UsageError(
          fmt::format("--straggler '{}': rank {} does not exist; the job has ranks 0..{}", text, rank, gpus - 1));
    }
    g = StragglerOfRank(s.par, rank, g.slowdown);
  } else if (!(in >> g.replica >> c1 >> g.stage >> c2 >> g.slowdown) || c1 != ':' || c2 != ':' || !in.eof()) {
    throw UsageError(
        fmt::format("--straggler '{}': expected RANK:FRACTION or DP_RANK:PP_STAGE:FRACTION, e.g. 3:0:0.2", text));
  }
  if (g.replica < 0 || g.replica >= s.par.dp) {
    throw UsageError(fmt::format("--straggler '{}': data-parallel rank must be in 0..{}", text, s.par.dp - 1));
  }
  if (g.stage < 0 || g.stage >= s.par.pp) {
    throw UsageError(fmt::format("--straggler '{}': pipeline stage must be in 0..{}", text, s.par.pp - 1));
  }
  if (!(g.slowdown >= 0) || g.slowdown > 100) {
    throw UsageError(fmt::format("--straggler '{}': FRACTION must be in 0..100 (0.2 = 20% slower)", text));
  }
  return g;
}

LinkFault ParseDegradedLink(const std::string& text) {
  // LINK:FRACTION, e.g. 1234:0.5 = link 1234 at half its bandwidth.
  LinkFault f;
  char c = 0;
  std::istringstream in(text);
  if (!(in >> f.physical >> c >> f.fraction) || c != ':' || !in.eof()) {
    throw UsageError(fmt::format("--degrade-link '{}': expected LINK:FRACTION, e.g. 1234:0.5", text));
  }
  if (!(f.fraction > 0) || f.fraction > 1) {
    throw UsageError(fmt::format(
        "--degrade-link '{}': FRACTION is the bandwidth left, in (0, 1]; a link with none is --fail-link", text));
  }
  return f;
}

// --timeline-replicas: the replicas to trace, every one a replica of the
// layout (0 .. dp-1), and only in full mode, where each has its own schedule.
std::vector<int64_t> ParseTimelineReplicas(const StepFlags& o, const Scenario& s) {
  if (o.timeline_replicas.empty()) return {};
  if (o.timeline.empty()) throw UsageError("--timeline-replicas needs --timeline FILE.json");
  if (!o.full) {
    throw UsageError(
        "--timeline-replicas needs --full: by default one pipeline stands for every replica (symmetric mode)");
  }
  std::vector<int64_t> out;
  if (o.timeline_replicas == "all") {
    for (int64_t i = 0; i < s.par.dp; ++i) out.push_back(i);
    return out;
  }
  std::istringstream in(o.timeline_replicas);
  for (std::string item; std::getline(in, item, ',');) {
    int64_t v = -1;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (ec != std::errc() || end != item.data() + item.size() || v < 0 || v >= s.par.dp) {
      throw UsageError(fmt::format("--timeline-replicas '{}': '{}' is not a replica (0 .. {}: dp = {}), nor all",
                                   o.timeline_replicas, item, s.par.dp - 1, s.par.dp));
    }
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

SimOptions ReadSimOptions(const StepFlags& o, const Scenario& s) {
  SimOptions so;
  so.trace = !o.timeline.empty();
  so.trace_replicas = ParseTimelineReplicas(o, s);
  so.full = o.full;
  so.flow_network = o.network == "flow";
  for (const auto& t : o.stragglers) so.stragglers.push_back(ParseStraggler(t, s));
  for (const auto& t : o.degraded_links) so.link_faults.push_back(ParseDegradedLink(t));
  for (int64_t l : o.failed_links) so.link_faults.push_back({l, 0.0});
  if (!so.link_faults.empty() && !so.flow_network) {
    throw UsageError("--degrade-link and --fail-link need --network flow (links exist only in the fabric graph)");
  }
  if (!so.stragglers.empty() && !so.full) throw UsageError("--straggler needs --full (every replica simulated)");
  return so;
}

}  // namespace cb::sim
