#include "import/osu.h"

#include <fmt/format.h>

#include <cstdlib>
#include <limits>
#include <regex>
#include <sstream>

#include "collectives/result_tables.h"
#include "core/collective_op.h"
#include "core/error.h"

namespace cb::importer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void Fail(const std::string& path, size_t line, const std::string& what) {
  throw IoError(fmt::format("{}:{}: {}", path, line, what));
}

std::string Yaml(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

struct Test {
  CollectiveOp op{};
  std::string version, dtype = "int8";
  int64_t elem = 1;
  std::vector<std::string> columns;  // after "# Size"
  Table table = coll::CollectivesTableSchema();
  bool cut = false;
};

std::optional<CollectiveOp> OpOfTitle(const std::string& name, std::string* refused) {
  const std::string n = name;
  if (n == "Allreduce") return CollectiveOp::kAllReduce;
  if (n == "Allgather") return CollectiveOp::kAllGather;
  if (n == "Broadcast" || n == "Bcast") return CollectiveOp::kBroadcast;
  if (n == "Reduce") return CollectiveOp::kReduce;
  if (n == "All-to-All" || n == "Alltoall" || n == "All-to-all") return CollectiveOp::kAllToAll;
  *refused = n;
  return std::nullopt;
}

// "# Datatype: MPI_INT." sets the test's element type and size.
void ReadDatatype(const std::string& path, size_t line_no, const std::string& name, Test* x) {
  if (name == "MPI_CHAR") {
    x->dtype = "int8";
    x->elem = 1;
  } else if (name == "MPI_INT") {
    x->dtype = "int32";
    x->elem = 4;
  } else if (name == "MPI_FLOAT") {
    x->dtype = "float";
    x->elem = 4;
  } else {
    Fail(path, line_no, fmt::format("datatype '{}' (MPI_CHAR, MPI_INT, MPI_FLOAT expected)", name));
  }
}

// "# Size  Avg Latency(us)  Min Latency(us) ...": the columns present, in order.
std::vector<std::string> ReadSizeHeader(const std::string& path, size_t line_no, const std::string& line) {
  std::vector<std::string> cols;
  for (const char* c : {"Avg Latency(us)", "Min Latency(us)", "Max Latency(us)", "Iterations", "Validation"}) {
    if (line.find(c) != std::string::npos) cols.push_back(c);
  }
  if (cols.empty() || cols[0] != "Avg Latency(us)") {
    Fail(path, line_no, "a '# Size' header without 'Avg Latency(us)': not a collective latency test");
  }
  return cols;
}

// One result row (fields `t`) into the test's collectives table, in
// nccl-tests' size convention (allgather and alltoall: OSU's size x ranks).
void AddRow(const std::string& path, size_t line_no, const std::vector<std::string>& t, bool unterminated,
            const ImportOptions& options, Test* x) {
  if (t.size() != 1 + x->columns.size()) {
    if (unterminated) {
      Fail(path, line_no,
           fmt::format("truncated: the file ends inside a row ({} of {} fields)", t.size(), 1 + x->columns.size()));
    }
    Fail(path, line_no, fmt::format("bad row: {} fields; the header names {}", t.size(), 1 + x->columns.size()));
  }
  if (options.ranks < 2) {
    throw UsageError(
        fmt::format("{}: OSU output does not say how many ranks ran; give it with --ranks N (the mpirun -np)", path));
  }
  const int64_t n = options.ranks;
  const int64_t osu_size = std::atoll(t[0].c_str());
  double avg = kNaN, mn = kNaN, mx = kNaN;
  bool checked = false;
  int64_t wrong = 0;
  for (size_t i = 0; i < x->columns.size(); ++i) {
    const std::string& c = x->columns[i];
    const std::string& v = t[i + 1];
    if (c == "Validation") {
      if (v != "Pass" && v != "Fail") Fail(path, line_no, fmt::format("bad row: Validation '{}' (Pass or Fail)", v));
      checked = true;
      wrong = v == "Fail" ? 1 : 0;
      continue;
    }
    char* e = nullptr;
    const double d = std::strtod(v.c_str(), &e);
    if (e == v.c_str() || *e != '\0') {
      Fail(path, line_no, fmt::format("bad row: field {} ({}) is '{}', not a number", i + 2, c, v));
    }
    if (c == "Avg Latency(us)") avg = d / 1e6;
    if (c == "Min Latency(us)") mn = d / 1e6;
    if (c == "Max Latency(us)") mx = d / 1e6;
  }
  const bool per_block = x->op == CollectiveOp::kAllGather || x->op == CollectiveOp::kAllToAll;
  const int64_t size = per_block ? osu_size * n : osu_size;
  const int64_t count = osu_size / x->elem;
  const bool reduces = x->op == CollectiveOp::kAllReduce || x->op == CollectiveOp::kReduce;
  const bool rooted = x->op == CollectiveOp::kBroadcast || x->op == CollectiveOp::kReduce;
  const double algbw = avg > 0 ? static_cast<double>(size) / avg : kNaN;
  x->table.AddRow({std::string(CollectiveOpName(x->op)), size, count, x->dtype, std::string(reduces ? "sum" : "none"),
                   int64_t{rooted ? 0 : -1}, int64_t{0}, avg, algbw,
                   algbw * CollectiveBusFactor(x->op, static_cast<double>(n)), wrong, mn, kNaN, mx, kNaN,
                   int64_t{checked ? 1 : 0}, int64_t{0}, std::string(), std::string()});
}

// One run per test that has rows.
std::vector<ImportedRun> ToRuns(const std::string& path, std::vector<Test>& tests, const ImportOptions& options) {
  std::vector<ImportedRun> runs;
  for (auto& x : tests) {
    if (x.table.size() == 0) continue;
    ImportedRun r;
    r.kind = "collectives";
    r.source = "osu-micro-benchmarks " + x.version;
    r.rank_count = options.ranks;
    r.config_yaml = fmt::format(
        "backend: mpi\nsource: {}\nfile: {}\nops: [{}]\ndtype: {}\nranks: {}  # given with --ranks\n"
        "size_convention: nccl-tests  # allgather and alltoall: OSU's size x ranks\n",
        Yaml(r.source), Yaml(path), CollectiveOpName(x.op), x.dtype, options.ranks);
    r.tables.push_back(std::move(x.table));
    runs.push_back(std::move(r));
  }
  return runs;
}

}  // namespace

std::vector<ImportedRun> ParseOsuText(const std::string& path, const std::string& text, const ImportOptions& options) {
  static const std::regex kTitle(
      R"(^# OSU MPI(?:-\w+)? (.+?) (Latency|Bandwidth|Bi-Directional Bandwidth|Multiple Bandwidth / Message Rate)? ?Test v(\S+))");
  static const std::regex kDatatype(R"(^# Datatype: (\S+?)\.?\s*$)");
  std::vector<Test> tests;
  size_t line_no = 0, pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    const bool unterminated = end == std::string::npos;
    std::string line = text.substr(pos, unterminated ? std::string::npos : end - pos);
    pos = unterminated ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::smatch m;
    if (std::regex_search(line, m, kTitle)) {
      std::string refused;
      auto op = m[2].str() == "Latency" ? OpOfTitle(m[1].str(), &refused) : std::nullopt;
      if (!op) {
        Fail(path, line_no,
             fmt::format("'{}': only OSU's blocking collective latency tests are imported (osu_allreduce, "
                         "osu_allgather, osu_bcast, osu_reduce, osu_alltoall); point-to-point and the others are "
                         "not mapped yet",
                         line.substr(2)));
      }
      tests.emplace_back();
      tests.back().op = *op;
      tests.back().version = m[3].str();
      continue;
    }
    if (std::regex_search(line, m, kDatatype)) {
      if (tests.empty()) Fail(path, line_no, "a '# Datatype' line before the '# OSU MPI ... Test' line");
      ReadDatatype(path, line_no, m[1].str(), &tests.back());
      continue;
    }
    if (line.rfind("# Size", 0) == 0) {
      if (tests.empty()) Fail(path, line_no, "a '# Size' header before the '# OSU MPI ... Test' line");
      tests.back().columns = ReadSizeHeader(path, line_no, line);
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::vector<std::string> t;
    for (std::string s; in >> s;) t.push_back(s);
    if (t.empty() || t[0].find_first_not_of("0123456789") != std::string::npos) continue;  // launcher noise
    if (tests.empty() || tests.back().columns.empty()) {
      Fail(path, line_no, "a result row before the '# OSU MPI ... Test' and '# Size' lines: not OSU output");
    }
    AddRow(path, line_no, t, unterminated, options, &tests.back());
  }
  if (tests.empty()) Fail(path, 1, "no '# OSU MPI ... Test' line: not OSU output");
  std::vector<ImportedRun> runs = ToRuns(path, tests, options);
  if (runs.empty()) Fail(path, line_no, "no result rows");
  return runs;
}

}  // namespace cb::importer
