// `clusterbench info`: what this node is (CPU, memory, GPUs, versions).
#include <iostream>

#include "apps/command.h"
#include "core/node_info.h"
#include "store/hdf5_store.h"

namespace cb {

void RegisterInfoCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("info", "print this node: CPU, memory, GPUs, driver and library versions");
  auto opts = std::make_shared<OutputOptions>();
  AddOutputOptions(cmd, opts.get(), /*with_output_file=*/false);
  *action = [&ctx, opts]() {
    const NodeInfo info = DescribeNode(ctx.backends, Hdf5LibraryVersion());
    if (opts->format == "json") {
      std::cout << JsonText(NodeInfoToJson(info)) << "\n";
    } else {
      std::cout << FormatNodeInfo(info);
    }
    return 0;
  };
}

}  // namespace cb
