#include "simulator/topology/fabric_report.h"

#include <fmt/format.h>

#include "core/units.h"

namespace cb::sim {

double FullBisection(const FabricSpec& spec, const FatTree& tree) {
  return static_cast<double>(tree.endpoints()) * spec.nic_bandwidth / 2;
}

nlohmann::json FabricToJson(const FabricSpec& spec, const FatTree& tree) {
  const double full = FullBisection(spec, tree);
  nlohmann::json tiers = nlohmann::json::array();
  for (const auto& t : tree.tiers()) {
    tiers.push_back({{"tier", t.tier},
                     {"switches", t.switches},
                     {"radix", t.radix},
                     {"down_ports", t.down_ports},
                     {"up_ports", t.up_ports},
                     {"ports_used_down", t.ports_used_down},
                     {"oversubscription", t.oversubscription}});
  }
  return nlohmann::json({{"cluster", spec.name},
                         {"gpus", spec.gpus},
                         {"nics", tree.endpoints()},
                         {"planes", spec.planes},
                         {"rail_optimized", spec.rail_optimized},
                         {"tiers", tiers},
                         {"links", tree.physical_links()},
                         {"bisection_bandwidth_Bps", tree.bisection_bandwidth()},
                         {"full_bisection_Bps", full}});
}

std::string FabricText(const FabricSpec& spec, const FatTree& tree) {
  const double full = FullBisection(spec, tree);
  std::string out;
  out += fmt::format("{}: {} GPUs, {} NICs ({} per node, {}), {} plane(s)\n", spec.name, spec.gpus, tree.endpoints(),
                     spec.nics_per_node, spec.rail_optimized ? "rail-optimised" : "fat tree", spec.planes);
  out += fmt::format("{:<6} {:>9} {:>6} {:>6} {:>6} {:>10} {:>17}\n", "tier", "switches", "radix", "down", "up",
                     "used down", "oversubscription");
  for (const auto& t : tree.tiers()) {
    out += fmt::format("{:<6} {:>9} {:>6} {:>6} {:>6} {:>10} {:>17}\n", t.tier, t.switches, t.radix, t.down_ports,
                       t.up_ports, t.ports_used_down,
                       t.oversubscription > 0 ? fmt::format("{:.2f}:1", t.oversubscription) : "-");
  }
  out += fmt::format("links {}  bisection {} ({:.0f}% of full bisection {})\n", tree.physical_links(),
                     FormatQuantity(tree.bisection_bandwidth(), Dimension::kBandwidth),
                     100 * tree.bisection_bandwidth() / full, FormatQuantity(full, Dimension::kBandwidth));
  return out;
}

Table TiersTable(const FatTree& tree) {
  Table tiers("tiers", "switch tiers of the fabric",
              {{"tier", ColumnType::kInt64, "1", "1 = leaf"},
               {"switches", ColumnType::kInt64, "1", ""},
               {"radix", ColumnType::kInt64, "1", "ports per switch"},
               {"down_ports", ColumnType::kInt64, "1", ""},
               {"up_ports", ColumnType::kInt64, "1", ""},
               {"oversubscription", ColumnType::kFloat64, "1", "capacity down / up (0 at the top)"}});
  for (const auto& t : tree.tiers()) {
    tiers.AddRow({int64_t{t.tier}, t.switches, t.radix, t.down_ports, t.up_ports, t.oversubscription});
  }
  return tiers;
}

Table LinksTable(const FatTree& tree) {
  Table links("links", "the graph: one row per physical link (vertices: NICs 0..nics-1, then switches)",
              {{"link", ColumnType::kInt64, "1", "link id, as simulate --degrade-link/--fail-link take it"},
               {"a", ColumnType::kInt64, "1", "lower vertex (NIC or switch)"},
               {"b", ColumnType::kInt64, "1", "upper vertex (switch)"},
               {"tier", ColumnType::kInt64, "1", "0 NIC-leaf, 1 leaf-spine, 2 spine-core"},
               {"capacity", ColumnType::kFloat64, "B/s", "per direction"}});
  for (size_t i = 0; i < tree.links().size(); i += 2) {
    const auto& l = tree.links()[i];
    links.AddRow({static_cast<int64_t>(i / 2), l.from, l.to, int64_t{l.tier}, l.capacity});
  }
  return links;
}

}  // namespace cb::sim
