// clusterbench: one executable, subcommands registered by apps/<name>.cc.
// main() owns error reporting: every cb::Error becomes one line on stderr and
// its documented exit code (docs/cli.md); nothing else escapes.
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <cstdio>
#include <map>

#include "apps/command.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/version.h"

namespace {

std::string JoinArgs(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool quote = a.find_first_of(" \t'\"") != std::string::npos || a.empty();
    s += (i ? " " : "") + (quote ? "'" + a + "'" : a);
  }
  return s;
}

int Run(int argc, char** argv) {
  cb::AppContext ctx;
  cb::RegisterBackends(ctx.backends);
  ctx.command_line = JoinArgs(argc, argv);

  CLI::App app{
      "clusterbench: measure GPU compute and interconnect, simulate large-scale training, and judge "
      "clusters against their specifications."};
  app.name("clusterbench");
  app.require_subcommand(1);
  app.fallthrough();
  std::string backends;
  for (const auto& b : ctx.backends.enabled) backends += (backends.empty() ? "" : ", ") + b;
  app.set_version_flag(
      "--version", fmt::format("clusterbench {} (git {}, {} build)\nbackends: host{}{}", cb::kVersion, cb::kGitRevision,
                               cb::kBuildType, backends.empty() ? "" : ", ", backends));

  std::map<CLI::App*, cb::Action> actions;
  auto add = [&](void (*reg)(CLI::App&, cb::AppContext&, cb::Action*)) {
    size_t before = app.get_subcommands({}).size();
    cb::Action action;
    reg(app, ctx, &action);
    auto subs = app.get_subcommands({});
    for (size_t i = before; i < subs.size(); ++i) actions[subs[i]] = action;
  };
  add(cb::RegisterInfoCommand);
  add(cb::RegisterConfigCommand);
  add(cb::RegisterReportCommand);
  add(cb::RegisterImportCommand);
  add(cb::RegisterKernelsCommand);
  add(cb::RegisterSimulateCommand);
  add(cb::RegisterCollectivesCommand);
  add(cb::RegisterTopologyCommand);
  add(cb::RegisterValidateCommand);
  add(cb::RegisterCalibrateCommand);
  add(cb::RegisterPlanCommand);
  add(cb::RegisterCompareCommand);

  // `clusterbench` alone: what a new user types first. Help, not an error.
  if (argc == 1) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  }
  // CLI11 reports a stray first word as "a subcommand is required"; name it.
  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (auto* sub : app.get_subcommands({})) {
      found |= sub->check_name(argv[1]);
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    if (!found) {
      std::fprintf(stderr, "clusterbench: error: unknown subcommand '%s'; known: %s\n", argv[1], known.c_str());
      return static_cast<int>(cb::ExitCode::kUsage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "clusterbench: error: %s\nRun 'clusterbench --help' for usage.\n", e.what());
    // validate speaks the monitoring-plugin codes (2 is CRITICAL there): a
    // command line it cannot run is UNKNOWN (3), never a failed cluster.
    if (argc > 1 && std::string(argv[1]) == "validate") return 3;
    return static_cast<int>(cb::ExitCode::kUsage);
  }
  cb::InstallInterruptHandlers();
  for (auto* sub : app.get_subcommands()) {
    auto it = actions.find(sub);
    if (it != actions.end() && it->second) return it->second();
  }
  std::fprintf(stderr, "clusterbench: error: no subcommand given\n");
  return static_cast<int>(cb::ExitCode::kUsage);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const cb::Error& e) {
    std::fprintf(stderr, "clusterbench: error: %s\n", e.what());
    return static_cast<int>(e.code());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "clusterbench: error: out of memory\n");
    return static_cast<int>(cb::ExitCode::kRuntime);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "clusterbench: internal error: %s\n", e.what());
    return static_cast<int>(cb::ExitCode::kRuntime);
  }
}
