#include "import/nccl_tests.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "collectives/result_tables.h"
#include "core/collective_op.h"
#include "core/error.h"
#include "core/stats.h"
#include "import/internal/text_input.h"

namespace cb::importer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct RankLine {
  int64_t rank = 0, group = 0, pid = 0, device = 0;
  std::string host, bus_id, name;
};

// One placement's figures as the tool prints them: us and GB/s.
struct Figures {
  double time_us = kNaN, algbw_gbs = kNaN, busbw_gbs = kNaN;
  bool checked = false;
  double wrong = 0;
  // -J with -I 1 (per-iteration timing): each process's time of every
  // iteration, us (one row when the document has no per-process list), and
  // how many leading iterations the tool's summary skipped.
  std::vector<std::vector<double>> process_times_us;
  int64_t skipped = 0;
  double i_max_us = kNaN;  // text with -I 1: the slowest iteration (max over processes)
};

struct Row {
  std::string op;
  int64_t size = 0, count = 0, root = -1;
  std::string type, redop;
  bool has_oop = false, has_ip = false;
  Figures oop, ip;
};

// One placement's columns as the header names them: "time algbw busbw
// #wrong", then with -I 1 "i_min i_max i_p99 i_cv%" and with bitwise checks
// "#bitdiff" after #wrong (src/util.cu writeResultHeader).
struct Placement {
  size_t width = 4;  // fields a placement has
  int i_max = -1;    // index of i_max within them, -1: none
};

// What one device report and the rows after it say.
struct Block {
  std::string version;  // nccl-tests' own, "" when not printed
  std::vector<std::pair<std::string, std::string>> config;
  std::vector<RankLine> ranks;
  int64_t threads_x_gpus = 1;
  std::vector<Row> rows;
  std::vector<double> avg_busbw_gbs;  // one per footer
  Placement placement;                // from the column header
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "all_reduce_perf", "/opt/nccl-tests/build/all_reduce_perf_mpi" -> all_reduce.
std::optional<CollectiveOp> OpOfBinary(std::string name) {
  if (auto slash = name.find_last_of('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (auto perf = name.find("_perf"); perf != std::string::npos) name = name.substr(0, perf);
  return FindCollectiveOp(name);
}

// The collective a file name mentions (the longest name it contains, so
// "reduce_scatter_2x8.txt" is reduce_scatter, not reduce); nullopt for none.
std::optional<CollectiveOp> OpOfFileName(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  std::string norm;
  for (char c : Lower(base)) {
    if (c != '_' && c != '-') norm += c;
  }
  std::optional<CollectiveOp> best;
  size_t best_len = 0;
  for (CollectiveOp op : AllCollectiveOps()) {
    std::string name;
    for (const char* p = CollectiveOpName(op); *p; ++p) {
      if (*p != '_') name += *p;
    }
    if (norm.find(name) != std::string::npos && name.size() > best_len) {
      best = op;
      best_len = name.size();
    }
  }
  return best;
}

// The op of rows that the file does not name: --op, else `named` (from the
// file), else the file name.
std::string ResolveOp(const std::string& path, size_t line, const ImportOptions& options,
                      std::optional<CollectiveOp> named) {
  if (!options.op.empty()) {
    auto op = FindCollectiveOp(options.op);
    if (!op) throw UsageError(fmt::format("--op {}: not a collective", options.op));
    return CollectiveOpName(*op);
  }
  if (named) return CollectiveOpName(*named);
  if (auto op = OpOfFileName(path)) return CollectiveOpName(*op);
  Fail(path, line,
       "the file does not say which collective it measured (no '# Collective test starting' line, no *_perf "
       "binary, none in the file name); give it with --op");
}

bool ParseInt(const std::string& s, int64_t* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long x = std::strtoll(s.c_str(), &end, 10);
  if (*end != '\0' || errno != 0) return false;
  *v = x;
  return true;
}

bool ParseDouble(const std::string& s, double* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  double x = std::strtod(s.c_str(), &end);
  if (*end != '\0') return false;
  *v = x;
  return true;
}

std::vector<std::string> Split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

bool IsDate(const std::string& s) { return std::regex_match(s, std::regex(R"(\d{4}-\d{2}-\d{2})")); }

// The placement's columns from the header line "# size count type redop root
// time algbw busbw #wrong [...] time ...": those between "root" and the second
// "time" (or "cputime").
std::optional<Placement> ReadColumnHeader(const std::vector<std::string>& tokens) {
  auto root = std::find(tokens.begin(), tokens.end(), "root");
  if (root == tokens.end() || std::find(tokens.begin(), tokens.end(), "#wrong") == tokens.end()) return std::nullopt;
  std::vector<std::string> cols;
  for (auto it = root + 1; it != tokens.end(); ++it) {
    if (!cols.empty() && (*it == "time" || *it == "cputime")) break;
    cols.push_back(*it);
  }
  if (cols.size() < 4) return std::nullopt;
  Placement p;
  p.width = cols.size();
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols[i] == "i_max") p.i_max = static_cast<int>(i);
  }
  return p;
}

// time algbw busbw #wrong, from tokens[at..at+3]; with -I 1 the slowest
// iteration (i_max, us) as well.
Figures ParseFigures(const std::vector<std::string>& t, size_t at, const Placement& pl, const std::string& path,
                     size_t line) {
  static const char* kNames[] = {"time", "algbw", "busbw", "#wrong"};
  Figures f;
  double* dst[] = {&f.time_us, &f.algbw_gbs, &f.busbw_gbs};
  for (size_t i = 0; i < 3; ++i) {
    if (!ParseDouble(t[at + i], dst[i])) {
      Fail(path, line, fmt::format("bad row: field {} ({}) is '{}', not a number", at + i + 1, kNames[i], t[at + i]));
    }
  }
  if (pl.i_max >= 0) {
    const size_t k = at + static_cast<size_t>(pl.i_max);
    if (!ParseDouble(t[k], &f.i_max_us)) {
      Fail(path, line, fmt::format("bad row: field {} (i_max) is '{}', not a number", k + 1, t[k]));
    }
  }
  if (t[at + 3] == "N/A") return f;
  f.checked = true;
  if (!ParseDouble(t[at + 3], &f.wrong) || f.wrong < 0) {
    Fail(path, line, fmt::format("bad row: field {} (#wrong) is '{}', not a count or N/A", at + 4, t[at + 3]));
  }
  return f;
}

// A data row: size count type redop [root] then out-of-place and in-place
// figures (either blank: one placement fewer), then with -S a date and a time.
Row ParseRow(const std::vector<std::string>& tokens, const std::string& op, const Placement& pl,
             const std::string& path, size_t line, bool last_line_unterminated) {
  std::vector<std::string> t = tokens;
  if (t.size() >= 2 && IsDate(t[t.size() - 2])) t.resize(t.size() - 2);  // -S timestamp
  const size_t w = pl.width;
  const bool with_root = t.size() == 5 + 2 * w || t.size() == 5 + w;
  const bool without_root = t.size() == 4 + 2 * w || t.size() == 4 + w;
  if (!with_root && !without_root) {
    if (last_line_unterminated) {
      Fail(path, line,
           fmt::format(
               "truncated: the file ends inside a row ({} of {} fields; --partial imports the rows before the cut)",
               tokens.size(), 5 + 2 * w));
    }
    Fail(path, line,
         fmt::format("bad row: {} fields; nccl-tests prints {} (size count type redop root, then {} figures out of "
                     "place and in place)",
                     tokens.size(), 5 + 2 * w, w));
  }
  Row r;
  r.op = op;
  if (!ParseInt(t[0], &r.size) || r.size < 0) Fail(path, line, fmt::format("bad row: size '{}'", t[0]));
  if (!ParseInt(t[1], &r.count) || r.count < 0) Fail(path, line, fmt::format("bad row: count '{}'", t[1]));
  r.type = t[2];
  r.redop = t[3];
  size_t at = 4;
  if (with_root) {
    if (!ParseInt(t[4], &r.root)) Fail(path, line, fmt::format("bad row: root '{}' is not a rank", t[4]));
    at = 5;
  }
  const bool both = t.size() - at == 2 * w;
  if (both) {
    r.has_oop = true;
    r.oop = ParseFigures(t, at, pl, path, line);
    at += w;
  }
  r.has_ip = true;  // in place only: the out-of-place part was blank (trace replay)
  r.ip = ParseFigures(t, at, pl, path, line);
  return r;
}

void ParseParameters(const std::string& line, Block* b) {
  static const std::vector<std::pair<std::string, std::regex>> kKeys = {
      {"threads", std::regex(R"(nThread (\d+))")},
      {"gpus_per_thread", std::regex(R"(nGpus (\d+))")},
      {"min_bytes", std::regex(R"(minBytes (\d+))")},
      {"max_bytes", std::regex(R"(maxBytes (\d+))")},
      {"warmup_iters", std::regex(R"(warmup iters: (\d+))")},
      {"iters", std::regex(R"(warmup iters: \d+ iters: (\d+))")},
      {"agg_iters", std::regex(R"(agg iters: (\d+))")},
      {"checks", std::regex(R"(validation: (\d+))")},
      {"graph", std::regex(R"(graph: (\d+))")}};
  std::smatch m;
  int64_t threads = 1, gpus = 1;
  for (const auto& [key, re] : kKeys) {
    if (!std::regex_search(line, m, re)) continue;
    b->config.emplace_back(key, m[1].str());
    if (key == "threads") ParseInt(m[1].str(), &threads);
    if (key == "gpus_per_thread") ParseInt(m[1].str(), &gpus);
  }
  if (std::regex_search(line, m, std::regex(R"(step: (\d+)\((factor|bytes)\))"))) {
    b->config.emplace_back(m[2].str() == "factor" ? "step_factor" : "step_bytes", m[1].str());
  }
  b->threads_x_gpus = threads * gpus;
}

Table RanksTable(const std::vector<RankLine>& ranks) {
  Table t("collectives_ranks", "one row per rank as the imported file lists them (nccl-tests' '#  Rank' lines)",
          {{"rank", ColumnType::kInt64, "1", "rank"},
           {"group", ColumnType::kInt64, "1", "the rank's split color (nccl-tests' Group)"},
           {"pid", ColumnType::kInt64, "1", "process id"},
           {"host", ColumnType::kString, "", "host name"},
           {"device", ColumnType::kInt64, "1", "CUDA device index on the host"},
           {"pci_bus_id", ColumnType::kString, "", "the device's PCI bus id"},
           {"device_name", ColumnType::kString, "", "the device's name"}});
  for (const auto& r : ranks) t.AddRow({r.rank, r.group, r.pid, r.host, r.device, r.bus_id, r.name});
  return t;
}

// The collectives table's per-rank statistics, as the collectives command
// computes them (collectives/harness.cc Combine): fastest and slowest
// rank-iteration, median over ranks of each rank's median, and the largest
// rank's p99; NaN when the file has no per-iteration times.
struct RankTimes {
  double min = kNaN, median = kNaN, max = kNaN, p99 = kNaN;
};

// Writes one placement's per-process times into the per-rank and iteration
// tables and returns their statistics. A process's row is its slowest GPU
// (nccl-tests: "process-local max across local threads/GPUs"); it is written
// as the process's first rank.
RankTimes AddProcessTimes(const Block& b, const Row& r, const Figures& f, bool ip, int64_t cycle, Table* per,
                          Table* iters) {
  RankTimes out;
  out.max = f.i_max_us / 1e6;  // text with -I 1; NaN otherwise
  if (f.process_times_us.empty()) return out;
  std::vector<double> medians;
  double mn = 1e300, mx = 0, p99 = 0;
  for (size_t p = 0; p < f.process_times_us.size(); ++p) {
    const auto& times = f.process_times_us[p];
    const int64_t rank = static_cast<int64_t>(p) * b.threads_x_gpus;
    std::string host, device;
    if (rank < static_cast<int64_t>(b.ranks.size())) {
      const RankLine& rl = b.ranks[static_cast<size_t>(rank)];
      host = rl.host;
      device = fmt::format("{} (device {})", rl.name, rl.device);
    }
    std::vector<double> kept;
    for (size_t i = 0; i < times.size(); ++i) {
      const bool skip = static_cast<int64_t>(i) < f.skipped;
      iters->AddRow({r.op, r.size, int64_t{ip ? 1 : 0}, r.type, r.redop, cycle, rank, static_cast<int64_t>(i),
                     int64_t{skip ? 1 : 0}, times[i] / 1e6});
      if (!skip) kept.push_back(times[i] / 1e6);
    }
    if (kept.empty()) continue;
    const Summary s = Summarize(kept);
    per->AddRow({r.op, r.size, int64_t{ip ? 1 : 0}, r.type, r.redop, cycle, rank, host, device, s.mean,
                 static_cast<int64_t>(f.wrong)});
    medians.push_back(s.median);
    mn = std::min(mn, s.min);
    mx = std::max(mx, s.max);
    p99 = std::max(p99, s.p99);
  }
  if (medians.empty()) return out;
  out.min = mn;
  out.median = Median(medians);
  out.max = mx;
  out.p99 = p99;
  return out;
}

// The run of one or more blocks of the same ranks.
ImportedRun BuildRun(const std::string& path, const std::vector<Block>& blocks, const std::string& json_extra) {
  const Block& b = blocks.front();
  ImportedRun run;
  run.kind = "collectives";
  run.source = b.version.empty() ? "nccl-tests" : "nccl-tests " + b.version;
  std::set<std::string> seen;
  for (const auto& r : b.ranks) {
    if (seen.insert(r.host).second) run.hosts.push_back(r.host);
  }
  run.rank_count = b.ranks.empty() ? b.threads_x_gpus : static_cast<int64_t>(b.ranks.size());
  std::set<std::string> ops;
  for (const auto& bl : blocks) {
    for (const auto& r : bl.rows) ops.insert(r.op);
  }
  std::string op_list;
  for (const auto& o : ops) op_list += (op_list.empty() ? "" : ", ") + o;
  run.config_yaml = fmt::format("backend: nccl\nsource: {}\nfile: {}\nops: [{}]\n", YamlQuoted(run.source),
                                YamlQuoted(path), op_list);
  for (const auto& [k, v] : b.config) run.config_yaml += fmt::format("{}: {}\n", k, v);
  std::string avg;
  for (const auto& bl : blocks) {
    for (double x : bl.avg_busbw_gbs) avg += fmt::format("{}{}", avg.empty() ? "" : ", ", x * 1e9);
  }
  if (!avg.empty()) run.config_yaml += fmt::format("avg_bus_bandwidth: [{}]  # B/s, one per footer\n", avg);
  run.config_yaml += json_extra;

  Table t = coll::CollectivesTableSchema();
  Table per = coll::CollectivesPerRankTableSchema();
  Table iters = coll::CollectivesIterationsTableSchema();
  std::map<std::tuple<std::string, int64_t, std::string, std::string, int64_t>, int64_t> cycles;
  for (const auto& bl : blocks) {
    for (const auto& r : bl.rows) {
      const int64_t cycle = cycles[{r.op, r.size, r.type, r.redop, r.root}]++;  // -N repeats the sweep
      for (bool ip : {false, true}) {
        if (ip ? !r.has_ip : !r.has_oop) continue;
        const Figures& f = ip ? r.ip : r.oop;
        const RankTimes rt = AddProcessTimes(b, r, f, ip, cycle, &per, &iters);
        t.AddRow({r.op,
                  r.size,
                  r.count,
                  r.type,
                  r.redop,
                  r.root,
                  int64_t{ip ? 1 : 0},
                  f.time_us / 1e6,
                  f.algbw_gbs * 1e9,
                  f.busbw_gbs * 1e9,
                  static_cast<int64_t>(f.wrong),
                  rt.min,
                  rt.median,
                  rt.max,
                  rt.p99,
                  int64_t{f.checked ? 1 : 0},
                  cycle,
                  std::string(),
                  std::string(),
                  std::string(),
                  kNaN,
                  kNaN});
      }
    }
  }
  run.tables.push_back(std::move(t));
  if (!b.ranks.empty()) run.tables.push_back(RanksTable(b.ranks));
  if (per.size() > 0) {
    run.tables.push_back(std::move(per));
    run.tables.push_back(std::move(iters));
  }
  return run;
}

bool SameRanks(const Block& a, const Block& b) {
  if (a.ranks.size() != b.ranks.size() || a.threads_x_gpus != b.threads_x_gpus) return false;
  for (size_t i = 0; i < a.ranks.size(); ++i) {
    if (a.ranks[i].rank != b.ranks[i].rank || a.ranks[i].host != b.ranks[i].host ||
        a.ranks[i].device != b.ranks[i].device) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::vector<ImportedRun> ParseNcclTestsText(const std::string& path, const std::string& text,
                                            const ImportOptions& options) {
  static const std::regex kRank(
      R"(^#\s*Rank\s+(\d+)\s+(?:Group\s+(-?\d+)\s+)?Pid\s+(\d+)\s+on\s+(\S+)\s+device\s+(-?\d+)\s+\[([^\]]*)\]\s*(.*?)\s*$)");
  std::vector<Block> blocks;
  std::string version;
  std::optional<CollectiveOp> named;  // "# Collective test starting: NAME"
  std::string op;                     // of the rows that follow
  bool in_table = false;              // rows seen since the last footer
  size_t table_line = 0;              // where those rows started
  std::string interrupted;
  TextLines lines(text);
  for (std::string line; lines.Next(&line);) {
    const size_t line_no = lines.line_no();
    const bool unterminated = lines.unterminated();
    std::smatch m;
    if (line.rfind("#", 0) == 0) {
      if (std::regex_search(line, m, std::regex(R"(^# nccl-tests version (\S+))"))) {
        version = m[1].str();
      } else if (std::regex_search(line, m, std::regex(R"(^# Collective test starting: (\S+))"))) {
        named = OpOfBinary(m[1].str());
        if (!named && options.op.empty()) {
          Fail(path, line_no,
               fmt::format("'{}' is not a collective clusterbench knows (all_reduce, all_gather, "
                           "reduce_scatter, broadcast, reduce, alltoall, sendrecv)",
                           m[1].str()));
        }
        op.clear();
      } else if (line.find(" nThread ") != std::string::npos && line.find(" nGpus ") != std::string::npos) {
        blocks.emplace_back();
        blocks.back().version = version;
        ParseParameters(line, &blocks.back());
        op.clear();
      } else if (auto pl = ReadColumnHeader(Split(line.substr(1))); pl && !blocks.empty()) {
        blocks.back().placement = *pl;
      } else if (std::regex_match(line, m, kRank)) {
        if (blocks.empty()) Fail(path, line_no, "a '#  Rank' line before the '# nThread ... nGpus' line");
        RankLine r;
        ParseInt(m[1].str(), &r.rank);
        if (m[2].matched) ParseInt(m[2].str(), &r.group);
        ParseInt(m[3].str(), &r.pid);
        r.host = m[4].str();
        ParseInt(m[5].str(), &r.device);
        r.bus_id = m[6].str();
        r.name = m[7].str();
        blocks.back().ranks.push_back(r);
      } else if (std::regex_search(line, m, std::regex(R"(^#\s*Avg bus bandwidth\s*:\s*(\S+))"))) {
        double bw = kNaN;
        if (!ParseDouble(m[1].str(), &bw)) Fail(path, line_no, fmt::format("bad footer: bandwidth '{}'", m[1].str()));
        if (!blocks.empty()) blocks.back().avg_busbw_gbs.push_back(bw);
        in_table = false;
      }
      continue;
    }
    const std::vector<std::string> tokens = Split(line);
    int64_t first = 0;
    // Anything else that is not a row (NCCL INFO lines, launcher warnings) is
    // not nccl-tests' and is skipped.
    if (tokens.empty() || !ParseInt(tokens[0], &first)) continue;
    if (blocks.empty())
      Fail(path, line_no, "a result row before the '# nThread ... nGpus' line: not nccl-tests output");
    if (op.empty()) op = ResolveOp(path, line_no, options, named);
    try {
      blocks.back().rows.push_back(ParseRow(tokens, op, blocks.back().placement, path, line_no, unterminated));
    } catch (const IoError& e) {
      if (!options.partial || !unterminated) throw;
      interrupted = e.what();
      break;
    }
    if (!in_table) table_line = line_no;
    in_table = true;
  }
  if (blocks.empty()) Fail(path, 0, "no '# nThread ... nGpus' line: not nccl-tests output");
  if (in_table && interrupted.empty()) {
    const std::string what = fmt::format(
        "truncated: the rows from line {} have no '# Avg bus bandwidth' footer (the run was cut short; --partial "
        "imports the rows before the cut)",
        table_line);
    if (!options.partial) Fail(path, lines.line_no(), what);
    interrupted = fmt::format("{}:{}: {}", path, lines.line_no(), what);
  }
  std::vector<std::vector<Block>> groups;
  for (auto& b : blocks) {
    if (b.rows.empty() && b.avg_busbw_gbs.empty()) continue;
    if (!groups.empty() && SameRanks(groups.back().front(), b)) {
      groups.back().push_back(std::move(b));
    } else {
      groups.push_back({std::move(b)});
    }
  }
  if (groups.empty()) Fail(path, 0, "no result rows");
  std::vector<ImportedRun> runs;
  for (const auto& g : groups) runs.push_back(BuildRun(path, g, ""));
  if (!interrupted.empty()) {
    runs.back().status = RunStatus::kInterrupted;
    runs.back().message = interrupted;
  }
  return runs;
}

namespace {

// A JSON number, or nccl-tests' "nan" string.
double JsonDouble(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    double v = kNaN;
    if (ParseDouble(j.get<std::string>(), &v)) return v;
  }
  return kNaN;
}

// "out_of_place_per_iter" / "in_place_per_iter" (nccl-tests -J with -I 1,
// util.cu writePerIterReport): "per_process_max_times_us", one list per
// process, else "times_us" (one process, or the maximum over processes);
// "skipped_iterations" when the tool's summary skipped leading ones.
void ReadPerIteration(const std::string& path, const nlohmann::json& result, bool ip, const std::string& where,
                      Figures* f) {
  const char* key = ip ? "in_place_per_iter" : "out_of_place_per_iter";
  if (!result.contains(key) || !result[key].is_object()) return;
  const auto& pi = result[key];
  auto list = [&](const nlohmann::json& j, const std::string& what) {
    if (!j.is_array()) Fail(path, 0, fmt::format("{}.{}.{} is not a list", where, key, what));
    std::vector<double> v;
    for (size_t i = 0; i < j.size(); ++i) {
      const double x = JsonDouble(j[i]);
      if (!std::isfinite(x) || x < 0) {
        Fail(path, 0, fmt::format("{}.{}.{}[{}] is '{}', not a time in us", where, key, what, i, j[i].dump()));
      }
      v.push_back(x);
    }
    return v;
  };
  if (pi.contains("per_process_max_times_us")) {
    const auto& rows = pi["per_process_max_times_us"];
    if (!rows.is_array()) Fail(path, 0, fmt::format("{}.{}.per_process_max_times_us is not a list", where, key));
    for (size_t p = 0; p < rows.size(); ++p) {
      f->process_times_us.push_back(list(rows[p], fmt::format("per_process_max_times_us[{}]", p)));
    }
  } else if (pi.contains("times_us")) {
    f->process_times_us.push_back(list(pi["times_us"], "times_us"));
  }
  if (pi.contains("skipped_iterations") && pi["skipped_iterations"].is_number_integer()) {
    f->skipped = pi["skipped_iterations"].get<int64_t>();
  }
}

// The -J document's "config": the tool's parameters and its devices (ranks).
void ReadJsonConfig(const nlohmann::json& config, Block* b) {
  static const std::vector<std::pair<const char*, const char*>> kKeys = {{"nthreads", "threads"},
                                                                         {"ngpus", "gpus_per_thread"},
                                                                         {"minimum_bytes", "min_bytes"},
                                                                         {"maximum_bytes", "max_bytes"},
                                                                         {"step_factor", "step_factor"},
                                                                         {"step_bytes", "step_bytes"},
                                                                         {"warmup_iters", "warmup_iters"},
                                                                         {"iterations", "iters"},
                                                                         {"aggregated_iterations", "agg_iters"},
                                                                         {"validation", "checks"},
                                                                         {"graph", "graph"},
                                                                         {"blocking_collectives", "blocking"},
                                                                         {"per_iter_timing", "per_iter_timing"},
                                                                         {"per_iter_skip", "per_iter_skip"}};
  int64_t threads = 1, gpus = 1;
  for (const auto& [key, name] : kKeys) {
    if (!config.contains(key)) continue;
    const auto& v = config[key];
    b->config.emplace_back(name, v.is_string() ? v.get<std::string>() : v.dump());
    if (std::string(key) == "nthreads" && v.is_number()) threads = v.get<int64_t>();
    if (std::string(key) == "ngpus" && v.is_number()) gpus = v.get<int64_t>();
  }
  b->threads_x_gpus = threads * gpus;
  if (config.contains("devices") && config["devices"].is_array()) {
    for (const auto& d : config["devices"]) {
      RankLine r;
      r.rank = d.value("rank", int64_t{0});
      r.group = d.value("group", int64_t{0});
      r.pid = d.value("pid", int64_t{0});
      r.host = d.value("hostname", std::string());
      r.device = d.value("device", int64_t{0});
      r.bus_id = d.value("device_hex", std::string());
      r.name = d.value("device_info", std::string());
      b->ranks.push_back(r);
    }
  }
}

}  // namespace

std::vector<ImportedRun> ParseNcclTestsJson(const std::string& path, const std::string& text,
                                            const ImportOptions& options) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const bool at_end = e.byte >= text.size();
    Fail(path, LineOfByte(text, e.byte > 0 ? e.byte - 1 : 0),
         at_end ? fmt::format("truncated: the JSON document ends at byte {} before it is complete (nccl-tests -J "
                              "writes it as the run goes; was the run cut short?)",
                              text.size())
                : fmt::format("invalid JSON at byte {}: {}", e.byte, e.what()));
  }
  auto need = [&](const nlohmann::json& j, const char* key, const char* where) -> const nlohmann::json& {
    if (!j.is_object() || !j.contains(key)) {
      Fail(path, 0, fmt::format("not an nccl-tests -J document: {} has no '{}'", where, key));
    }
    return j.at(key);
  };
  const auto& config = need(doc, "config", "the document");
  const auto& results = need(doc, "results", "the document");
  if (!results.is_array()) Fail(path, 0, "not an nccl-tests -J document: 'results' is not a list");
  Block b;
  if (doc.contains("version") && doc["version"].is_number()) {
    b.version = fmt::format("(-J document version {})", doc["version"].get<int64_t>());
  }
  if (doc.contains("nccl_version") && doc["nccl_version"].is_number()) {
    b.config.emplace_back("nccl_version", std::to_string(doc["nccl_version"].get<int64_t>()));
  }
  ReadJsonConfig(config, &b);
  std::optional<CollectiveOp> named;
  if (doc.contains("args") && doc["args"].is_array() && !doc["args"].empty() && doc["args"][0].is_string()) {
    named = OpOfBinary(doc["args"][0].get<std::string>());
  }
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const std::string where = fmt::format("results[{}]", i);
    Row row;
    std::string exp = r.value("experiment_name", std::string());
    auto exp_op = exp.empty() ? std::nullopt : OpOfBinary(exp);
    row.op = ResolveOp(path, 0, options, exp_op ? exp_op : named);
    try {
      row.size = need(r, "size", where.c_str()).get<int64_t>();
      row.count = need(r, "count", where.c_str()).get<int64_t>();
      row.type = need(r, "type", where.c_str()).get<std::string>();
      row.redop = need(r, "redop", where.c_str()).get<std::string>();
      const auto& root = need(r, "root", where.c_str());
      if (root.is_number()) {
        row.root = root.get<int64_t>();
      } else if (!ParseInt(Split(root.get<std::string>()).empty() ? "" : Split(root.get<std::string>())[0],
                           &row.root)) {
        Fail(path, 0, fmt::format("{}: root '{}' is not a rank", where, root.get<std::string>()));
      }
      for (bool ip : {false, true}) {
        const char* key = ip ? "in_place" : "out_of_place";
        if (!r.contains(key) || r[key].is_null()) continue;
        const auto& p = r[key];
        Figures f;
        f.time_us = JsonDouble(p.contains("time") ? p["time"] : p.value("cpu_time", nlohmann::json()));
        f.algbw_gbs = JsonDouble(p.value("alg_bw", nlohmann::json()));
        f.busbw_gbs = JsonDouble(p.value("bus_bw", nlohmann::json()));
        f.checked = p.contains("nwrong") && !p["nwrong"].is_null();
        f.wrong = f.checked ? JsonDouble(p["nwrong"]) : 0;
        ReadPerIteration(path, r, ip, where, &f);
        (ip ? row.ip : row.oop) = f;
        (ip ? row.has_ip : row.has_oop) = true;
      }
    } catch (const nlohmann::json::exception& e) {
      Fail(path, 0, fmt::format("{}: a value of the wrong type: {}", where, e.what()));
    }
    b.rows.push_back(row);
  }
  if (doc.contains("average_bus_bandwidth") && doc["average_bus_bandwidth"].is_object()) {
    b.avg_busbw_gbs.push_back(JsonDouble(doc["average_bus_bandwidth"].value("bandwidth", nlohmann::json())));
  }
  std::string extra;
  for (const char* key : {"start_time", "end_time"}) {
    if (doc.contains(key) && doc[key].is_string()) {
      extra += fmt::format("measured_{}: {}  # the tool's local time\n", key, YamlQuoted(doc[key].get<std::string>()));
    }
  }
  if (b.rows.empty()) Fail(path, 0, "no results");
  ImportedRun run = BuildRun(path, {b}, extra);
  return {run};
}

}  // namespace cb::importer
