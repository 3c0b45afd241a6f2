#include "acceptance/outputs.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "acceptance/report.h"
#include "core/error.h"
#include "core/file_check.h"
#include "core/json_text.h"
#include "core/subprocess.h"
#include "core/table_export.h"

namespace fs = std::filesystem;

namespace cb::acc {

void WriteFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw IoError(fmt::format("{}: cannot write", tmp));
    f << text;
    if (!f.flush()) throw IoError(fmt::format("{}: write failed", tmp));
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot rename into place: {}", path, ec.message()));
}

void CheckReportNames(const std::vector<std::string>& reports) {
  for (const auto& r : reports) {
    std::string ext = fs::path(r).extension().string();
    if (ext != ".html" && ext != ".htm" && ext != ".md") {
      throw UsageError(fmt::format("--report {}: the report is .html or .md", r));
    }
  }
}

void CheckReportPaths(const ReportOutputs& out) {
  for (const auto& r : out.reports) {
    CheckOutputWritable(r);
  }
  if (!out.prometheus.empty()) {
    // Created when missing (with its parents), as `mkdir -p` would: a textfile
    // collector directory is often set up by the first run that writes to it.
    std::error_code ec;
    fs::create_directories(out.prometheus, ec);
    if (!fs::is_directory(out.prometheus)) {
      throw IoError(fmt::format("{}: --prometheus directory cannot be created: {}", out.prometheus,
                                ec ? ec.message() : "a file of that name exists"));
    }
    if (access(out.prometheus.c_str(), W_OK) != 0) {
      throw IoError(fmt::format("{}: --prometheus directory is not writable", out.prometheus));
    }
  }
  CheckOutputWritable(out.evidence);
}

std::vector<DrainRun> RunDrainHooks(const std::string& command, double timeout_s, const ValidationReport& rep) {
  std::vector<DrainRun> runs;
  if (command.empty()) return runs;
  for (const auto& node : FailedNodes(rep)) {
    DrainRun run{node.host, ExpandDrainCommand(command, node)};
    const ShellResult r = RunShell(run.command, {.timeout_s = timeout_s});
    run.exit_status = r.timed_out ? 124 : r.exit_status;
    std::fprintf(stderr, "validate: drain %s: %s -> %s\n", node.host.c_str(), run.command.c_str(),
                 r.timed_out ? fmt::format("ended after {:g} s (exit 124)", timeout_s).c_str()
                             : fmt::format("exit {}", run.exit_status).c_str());
    std::fflush(stderr);
    runs.push_back(std::move(run));
  }
  return runs;
}

Table DrainTable(const std::vector<DrainRun>& runs) {
  Table t("validate_drain", "the --drain-cmd hook: one row per failed host",
          {{"host", ColumnType::kString, "", "failed host"},
           {"command", ColumnType::kString, "", "the command run (substitutions shell-quoted)"},
           {"exit_status", ColumnType::kInt64, "1",
            "its exit status (128 + N: signal N; -1: could not run; 124: ended after --drain-timeout)"}});
  for (const auto& r : runs) t.AddRow({r.host, r.command, int64_t{r.exit_status}});
  return t;
}

void WriteOutputs(const ReportOutputs& out, const ValidationReport& rep, ResultSink* evidence, bool failed) {
  // The run's status and message, as the evidence ends the run and --format json prints it.
  const RunStatus status = failed ? RunStatus::kFailed : rep.partial ? RunStatus::kInterrupted : RunStatus::kComplete;
  const std::string message = rep.partial ? rep.partial_reason : fmt::format("verdict {}", rep.status.name);
  const bool json = out.format == "json";
  if (!json) {
    std::cout << FormatReportText(rep);
    std::cout.flush();
  }
  for (const auto& path : out.reports) {
    std::string ext = fs::path(path).extension().string();
    WriteFileAtomically(path, ext == ".md" ? ReportMarkdown(rep) : ReportHtml(rep));
  }
  if (!out.prometheus.empty()) {
    for (const auto& [name, text] : PrometheusFiles(rep)) {
      WriteFileAtomically((fs::path(out.prometheus) / name).string(), text);
    }
  }
  // The drain hook, once per failed host, after the reports are on disk; a
  // partial run judged too little to drain anyone.
  const std::vector<DrainRun> drains =
      rep.partial ? std::vector<DrainRun>{} : RunDrainHooks(out.drain_cmd, out.drain_timeout, rep);
  std::vector<Table> tables = EvidenceTables(rep);
  if (!drains.empty()) tables.push_back(DrainTable(drains));
  // JSON comes after the drain hook, so that it holds validate_drain as the
  // stored run does.
  if (json) {
    std::cout << JsonText(RunResultsJson(status, message, tables, rep.suite.yaml)) << "\n";
    std::cout.flush();
  }
  if (evidence) {
    for (const auto& t : tables) evidence->WriteTable(t);
    evidence->EndRun(status, message);
  }
}

}  // namespace cb::acc
