#include "apps/command.h"

#include <cmath>

#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/error.h"

namespace fs = std::filesystem;

namespace cb {

void AddOutputOptions(CLI::App* app, OutputOptions* o, bool with_output_file) {
  if (with_output_file) {
    app->add_option("-o,--output", o->output, "append this run to an HDF5 results file (created if missing)")
        ->type_name("FILE.h5");
  }
  app->add_option("--format", o->format, "terminal output: table for people, json for machines")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  auto* q = app->add_flag("-q,--quiet", o->quiet, "print only results (and warnings)");
  auto* v = app->add_flag("-v,--verbose", o->verbose, "print progress and diagnostics");
  q->excludes(v);
}

void AddOverrideOption(CLI::App* app, std::vector<std::string>* sets) {
  app->add_option("--set", *sets, "override a configuration value: key.path=value (repeatable)")
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

CLI::Validator Bounded(double lo, double hi) {
  const std::string range = fmt::format("{}..{}", FormatNumber(lo), FormatNumber(hi));
  return CLI::Validator(
      [lo, hi, range](std::string& s) -> std::string {
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(s, &used);  // accepts "nan" and "inf": refused below as out of range
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != s.size()) return fmt::format("'{}' is not a number", s);
        if (!std::isfinite(v) || v < lo || v > hi) return fmt::format("{} is out of range (must be {})", s, range);
        return "";
      },
      "NUMBER in [" + range + "]");
}

std::vector<Override> ParseOverrides(const std::vector<std::string>& sets) {
  std::vector<Override> out;
  for (const auto& s : sets) out.push_back(ParseOverride(s));
  return out;
}

std::string JsonText(const nlohmann::json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

void CheckOutputWritable(const std::string& path) {
  if (path.empty()) return;
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw IoError(fmt::format("{}: output is a directory, not a file", path));
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) {
    throw IoError(fmt::format("{}: output directory '{}' does not exist", path, dir.string()));
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw IoError(fmt::format("{}: output directory '{}' is not writable", path, dir.string()));
  }
  if (fs::exists(p, ec) && access(p.c_str(), W_OK) != 0) {
    throw IoError(fmt::format("{}: output file is not writable", path));
  }
}

Injection ParseInjection(const std::string& text, const std::vector<std::string>& kinds, bool fraction_below_one) {
  std::string list;
  for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
  std::istringstream in(text);
  std::string rank, frac;
  Injection inj;
  std::getline(in, inj.kind, ':');
  std::getline(in, rank, ':');
  std::getline(in, frac, ':');
  if (std::find(kinds.begin(), kinds.end(), inj.kind) == kinds.end()) {
    throw UsageError(fmt::format("--inject {}: unknown injection '{}' ({})", text, inj.kind, list));
  }
  try {
    size_t pos = 0;
    inj.rank = std::stoi(rank, &pos);
    if (pos != rank.size() || inj.rank < 0) throw std::invalid_argument("rank");
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--inject {}: expected KIND:RANK (slow:RANK:FRACTION), KIND one of {}", text, list));
  }
  if (inj.kind == "slow") {
    try {
      inj.fraction = std::stod(frac);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--inject {}: slow needs a FRACTION (slow:RANK:0.5)", text));
    }
    if (!(inj.fraction > 0) || (fraction_below_one && !(inj.fraction < 1))) {
      throw UsageError(fmt::format("--inject {}: FRACTION must be in {}: the share of throughput taken away", text,
                                   fraction_below_one ? "(0, 1)" : "(0, inf)"));
    }
  }
  return inj;
}

std::string SeveralProcesses() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    const char* value = std::getenv(v);
    if (value && std::atol(value) > 1) return fmt::format("{}={}", v, value);
  }
  return "";
}

}  // namespace cb
