// A scale-out fabric as `clusterbench topology` shows it: switches per tier,
// links, bisection bandwidth and oversubscription, as JSON, as terminal text
// and as the results tables `tiers` and `links` (the graph).
#ifndef CLUSTERBENCH_SIMULATOR_TOPOLOGY_FABRIC_REPORT_H_
#define CLUSTERBENCH_SIMULATOR_TOPOLOGY_FABRIC_REPORT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "core/table.h"
#include "simulator/topology/fat_tree.h"

namespace cb::sim {

// Full bisection: every NIC sending at its bandwidth across the middle (B/s).
double FullBisection(const FabricSpec& spec, const FatTree& tree);

nlohmann::json FabricToJson(const FabricSpec& spec, const FatTree& tree);
std::string FabricText(const FabricSpec& spec, const FatTree& tree);

// One row per switch tier (1 = leaf).
Table TiersTable(const FatTree& tree);
// One row per physical link (vertices: NICs 0..nics-1, then switches).
Table LinksTable(const FatTree& tree);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_TOPOLOGY_FABRIC_REPORT_H_
