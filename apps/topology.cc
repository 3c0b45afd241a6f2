// `clusterbench topology CLUSTER`: the scale-out fabric a cluster YAML
// describes — switches per tier, links, bisection bandwidth,
// oversubscription — and its graph in HDF5.
#include <iostream>
#include <memory>

#include "apps/command.h"
#include "core/table.h"
#include "simulator/topology/fabric_report.h"
#include "simulator/topology/fat_tree.h"

namespace cb {
namespace {

struct TopologyOptions {
  OutputOptions out;
  std::string cluster;
  std::vector<std::string> sets;
};

int RunTopology(const TopologyOptions& o, const AppContext& ctx) {
  CheckOutputWritable(o.out.output);
  // The run starts now, not when its results are written (issue 17: start and end times).
  RunInfo run = MakeRunInfo("topology", ctx.command_line);
  ConfigLoader loader;
  ConfigNode cfg = loader.Load("cluster", o.cluster, ParseOverrides(o.sets));
  sim::FabricSpec spec = sim::FabricFromConfig(cfg);
  sim::FatTree tree = sim::FatTree::Build(spec);
  if (o.out.format == "json") {
    std::cout << JsonText(sim::FabricToJson(spec, tree)) << "\n";
  } else {
    std::cout << sim::FabricText(spec, tree);
  }
  if (!o.out.output.empty()) {
    run.config_yaml = cfg.ToYaml();
    WriteCompleteRun(o.out.output, run, {sim::TiersTable(tree), sim::LinksTable(tree)});
  }
  return 0;
}

}  // namespace

void RegisterTopologyCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("topology", "describe a cluster's scale-out fabric: switches, links, bisection");
  auto o = std::make_shared<TopologyOptions>();
  cmd->add_option("CLUSTER", o->cluster, "a cluster file or the name of a shipped one")->required();
  AddOverrideOption(cmd, &o->sets);
  AddOutputOptions(cmd, &o->out);
  *action = [o, &ctx]() { return RunTopology(*o, ctx); };
}

}  // namespace cb
