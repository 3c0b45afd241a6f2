// `clusterbench config describe|list|check|show`: the configuration language.
#include <fmt/format.h>

#include <iostream>

#include "apps/command.h"
#include "core/config.h"
#include "core/config_json.h"
#include "simulator/simulate.h"
#include "simulator/topology/fat_tree.h"

namespace cb {
namespace {

std::string KindsText() {
  std::string s;
  for (const auto& k : SchemaKinds()) s += (s.empty() ? "" : ", ") + k;
  return s;
}

}  // namespace

void RegisterConfigCommand(CLI::App& app, AppContext& /*ctx*/, Action* action) {
  auto* cmd = app.add_subcommand("config", "describe, list, check and show configuration documents");
  cmd->require_subcommand(1);
  struct State {
    std::string kind, file, format = "yaml";
    std::vector<std::string> sets;
    CLI::App *describe, *list, *check, *show;
  };
  auto st = std::make_shared<State>();
  auto kinds = CLI::IsMember(SchemaKinds());

  st->describe = cmd->add_subcommand("describe", "print every key of a document kind: type, unit, default, meaning");
  st->describe->add_option("KIND", st->kind, "one of: " + KindsText())->required()->check(kinds);

  st->list = cmd->add_subcommand("list", "list the shipped documents of a kind");
  st->list->add_option("KIND", st->kind, "one of: " + KindsText())->required()->check(kinds);

  st->check = cmd->add_subcommand("check", "validate a document (exit 3 with file:line:column if it is wrong)");
  st->check->add_option("KIND", st->kind, "one of: " + KindsText())->required()->check(kinds);
  st->check->add_option("FILE", st->file, "a path or a shipped name")->required();
  AddOverrideOption(st->check, &st->sets);

  st->show =
      cmd->add_subcommand("show", "print the effective document (references resolved, defaults filled, SI units)");
  st->show->add_option("KIND", st->kind, "one of: " + KindsText())->required()->check(kinds);
  st->show->add_option("FILE", st->file, "a path or a shipped name")->required();
  st->show->add_option("--format", st->format, "yaml or json")->check(CLI::IsMember({"yaml", "json"}));
  AddOverrideOption(st->show, &st->sets);

  *action = [st]() {
    if (st->describe->parsed()) {
      std::cout << DescribeSchema(st->kind);
      return 0;
    }
    ConfigLoader loader;
    if (st->list->parsed()) {
      for (const auto& n : loader.Available(st->kind)) std::cout << n << "\n";
      return 0;
    }
    ConfigNode node = loader.Load(st->kind, st->file, ParseOverrides(st->sets));
    // A scenario is also checked as `simulate` checks it (the job fits the
    // cluster, tp divides the heads, ...), and a cluster with a fabric as
    // `topology` builds it (whole nodes, switch radix), with the same
    // messages: check never calls valid, and show never prints, a document
    // that those commands refuse.
    if (st->kind == "scenario") sim::ScenarioFromConfig(node);
    if (st->kind == "cluster" && node.Find("scale_out.tiers")) {
      static_cast<void>(sim::FatTree::Build(sim::FabricFromConfig(node)));
    }
    if (st->check->parsed()) {
      std::cout << fmt::format("{}: valid {}\n", node.source_file(), st->kind);
      return 0;
    }
    if (st->format == "json") {
      std::cout << JsonText(ConfigToJson(node)) << "\n";
    } else {
      std::cout << node.ToYaml();
    }
    return 0;
  };
}

}  // namespace cb
