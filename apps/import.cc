// `clusterbench import FILE... -o RESULTS.h5`: other tools' results (nccl-tests
// text and -J JSON, nvbandwidth -j) into the results file as ordinary runs (import/ parses,
// this file writes and says what it wrote).
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "apps/command.h"
#include "core/error.h"
#include "core/node_info.h"
#include "import/imported_run.h"
#include "store/hdf5_store.h"

namespace cb {
namespace {

struct ImportCmdOptions {
  std::vector<std::string> files;
  std::string from;
  importer::ImportOptions parse;
  OutputOptions out;
};

int RunImport(const ImportCmdOptions& o, const AppContext& ctx) {
  if (o.out.output.empty()) throw UsageError("import needs -o RESULTS.h5: the results file the runs go to");
  std::optional<importer::Format> format;
  if (!o.from.empty()) format = importer::ParseFormat(o.from);
  // Every file is parsed before anything is written: one bad file leaves the
  // results file as it was.
  std::vector<std::pair<std::string, std::vector<importer::ImportedRun>>> parsed;
  for (const auto& f : o.files) {
    parsed.emplace_back(f, importer::ImportFile(f, format ? &*format : nullptr, o.parse));
  }
  Hdf5Writer writer(o.out.output);
  nlohmann::json j = {{"output", o.out.output}, {"runs", nlohmann::json::array()}};
  for (const auto& [file, runs] : parsed) {
    for (const auto& r : runs) {
      RunInfo info = MakeRunInfo(r.kind, ctx.command_line);
      info.id += fmt::format("-import{}", j["runs"].size());  // several runs within one microsecond
      info.hosts = r.hosts;
      info.rank_count = r.rank_count;
      info.config_yaml = r.config_yaml;
      info.environment.clear();  // this process's environment says nothing about the tool's run
      writer.BeginRun(info);
      nlohmann::json jt = nlohmann::json::object();
      for (const auto& t : r.tables) {
        writer.WriteTable(t);
        jt[t.name()] = t.size();
      }
      writer.EndRun(r.status, r.message);
      j["runs"].push_back({{"file", file},
                           {"run", info.id},
                           {"kind", r.kind},
                           {"source", r.source},
                           {"status", RunStatusName(r.status)},
                           {"ranks", r.rank_count},
                           {"hosts", r.hosts},
                           {"tables", jt},
                           {"message", r.message}});
      if (o.out.format == "json" || o.out.quiet) continue;
      std::string tables;
      for (const auto& t : r.tables)
        tables += fmt::format("{}{} ({} rows)", tables.empty() ? "" : ", ", t.name(), t.size());
      std::cout << fmt::format(
          "{}: {} run {} from {}, {} rank(s) on {} host(s): {}{}\n", file, r.kind, info.id, r.source, r.rank_count,
          r.hosts.size(), tables,
          r.status == RunStatus::kComplete ? "" : fmt::format(" [{}: {}]", RunStatusName(r.status), r.message));
    }
  }
  if (o.out.format == "json") std::cout << JsonText(j) << "\n";
  return 0;
}

}  // namespace

void RegisterImportCommand(CLI::App& app, AppContext& ctx, Action* action) {
  auto* cmd = app.add_subcommand("import",
                                 "bring other tools' results (nccl-tests text and -J JSON, nvbandwidth -j, OSU text) "
                                 "into a results file as ordinary runs");
  auto o = std::make_shared<ImportCmdOptions>();
  cmd->add_option("FILE", o->files,
                  "result files: nccl-tests text output or -J JSON, nvbandwidth -j JSON, OSU collective latency or "
                  "point-to-point (osu_latency, osu_bw, osu_bibw) text")
      ->required();
  cmd->add_option("--from", o->from,
                  "the files' format (default: detected): nccl-tests, nccl-tests-json, nvbandwidth or osu");
  cmd->add_option("--op", o->parse.op,
                  "the collective, for files that do not name it (nccl-tests -J, versions before 2.14; default: the "
                  "binary in the file, else the file name)");
  cmd->add_option("--ranks", o->parse.ranks, "ranks of an OSU collective run (its output does not say): the mpirun -np")
      ->check(CLI::Range(2, 16777216));
  cmd->add_flag("--partial", o->parse.partial,
                "a file cut short (a killed job) keeps its rows before the cut as an interrupted run");
  AddOutputOptions(cmd, &o->out);
  *action = [o, &ctx]() { return RunImport(*o, ctx); };
}

}  // namespace cb
