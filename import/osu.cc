#include "import/osu.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <regex>
#include <sstream>

#include "collectives/result_tables.h"
#include "core/collective_op.h"
#include "core/error.h"
#include "import/internal/text_input.h"

namespace cb::importer {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// What an OSU test measures.
enum class Measure { kCollectiveLatency, kLatency, kBandwidth, kBiBandwidth };

// The columns a "# Size" header names, in order.
enum class Column { kLatency, kBandwidth, kMin, kMax, kIterations, kValidation, kOther };

struct Test {
  Measure measure = Measure::kCollectiveLatency;
  CollectiveOp op{};
  std::string name, version, dtype;  // dtype "" until "# Datatype"
  int64_t elem = 1;
  std::vector<Column> columns;  // after "# Size"
  Table table = coll::CollectivesTableSchema();
  double lat8 = kNaN, bw_largest = kNaN;  // point to point: the p2p table's figures
  int64_t largest = -1;
};

bool PointToPoint(Measure m) { return m != Measure::kCollectiveLatency; }

// "Allreduce Latency", "Latency", "Bi-Directional Bandwidth": what the test
// measures, or nullopt for a test not mapped.
std::optional<Test> TestOfTitle(const std::string& name) {
  Test x;
  x.name = name;
  if (name == "Latency") {
    x.measure = Measure::kLatency;
    x.op = CollectiveOp::kSendRecv;
    return x;
  }
  if (name == "Bandwidth") {
    x.measure = Measure::kBandwidth;
    x.op = CollectiveOp::kSendRecv;
    return x;
  }
  if (name == "Bi-Directional Bandwidth") {
    x.measure = Measure::kBiBandwidth;
    x.op = CollectiveOp::kSendRecv;
    return x;
  }
  static const std::vector<std::pair<const char*, CollectiveOp>> kCollectives = {
      {"Allreduce", CollectiveOp::kAllReduce},
      {"Allgather", CollectiveOp::kAllGather},
      {"Reduce_scatter", CollectiveOp::kReduceScatter},
      {"Broadcast", CollectiveOp::kBroadcast},
      {"Bcast", CollectiveOp::kBroadcast},
      {"Reduce", CollectiveOp::kReduce},
      {"All-to-All", CollectiveOp::kAllToAll},
      {"Alltoall", CollectiveOp::kAllToAll},
      {"All-to-all", CollectiveOp::kAllToAll},
      {"Gather", CollectiveOp::kGather},
      {"Scatter", CollectiveOp::kScatter}};
  for (const auto& [title, op] : kCollectives) {
    if (name == std::string(title) + " Latency") {
      x.op = op;
      return x;
    }
  }
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

// "# Size  Avg Latency(us)  Min Latency(us) ...": the columns present, in
// order; the first must be what the test measures.
std::vector<Column> ReadSizeHeader(const std::string& path, size_t line_no, const std::string& line, const Test& x) {
  static const std::vector<std::pair<std::regex, Column>> kLabels = {
      {std::regex(R"(Avg Latency\(us\)|(?:^|  )Latency \(us\))"), Column::kLatency},
      {std::regex(R"(Bandwidth \(MB/s\))"), Column::kBandwidth},
      {std::regex(R"(Min Latency\(us\))"), Column::kMin},
      {std::regex(R"(Max Latency\(us\))"), Column::kMax},
      {std::regex(R"(Iterations)"), Column::kIterations},
      {std::regex(R"(Validation)"), Column::kValidation},
      {std::regex(R"(P\d+ Tail (?:Lat\(us\)|BW\(MB/s\)))"), Column::kOther}};
  std::vector<std::pair<size_t, Column>> found;
  for (const auto& [re, col] : kLabels) {
    for (auto it = std::sregex_iterator(line.begin(), line.end(), re); it != std::sregex_iterator(); ++it) {
      found.emplace_back(static_cast<size_t>(it->position()), col);
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<Column> cols;
  for (const auto& f : found) cols.push_back(f.second);
  const bool bw = x.measure == Measure::kBandwidth || x.measure == Measure::kBiBandwidth;
  const Column want = bw ? Column::kBandwidth : Column::kLatency;
  if (cols.empty() || cols[0] != want) {
    Fail(path, line_no,
         fmt::format("the '# Size' header of '{}' does not start with '{}'", x.name,
                     bw ? "Bandwidth (MB/s)" : "Avg Latency(us)"));
  }
  return cols;
}

// The collective's nccl-tests size and count from OSU's size (bytes per rank).
std::pair<int64_t, int64_t> SizeAndCount(const Test& x, int64_t osu_size, int64_t n) {
  switch (x.op) {
    case CollectiveOp::kAllGather:
    case CollectiveOp::kAllToAll:
    case CollectiveOp::kGather:
    case CollectiveOp::kScatter:
      return {osu_size * n, osu_size / x.elem};  // one rank's block; nccl-tests counts the block's elements
    case CollectiveOp::kReduceScatter:
      return {osu_size, osu_size / x.elem / n};  // the send buffer; nccl-tests counts each rank's result
    default:
      return {osu_size, osu_size / x.elem};
  }
}

// One result row (fields `t`) into the test's collectives table.
void AddRow(const std::string& path, size_t line_no, const std::vector<std::string>& t, bool unterminated,
            const ImportOptions& options, Test* x) {
  if (t.size() != 1 + x->columns.size()) {
    if (unterminated) {
      Fail(path, line_no,
           fmt::format("truncated: the file ends inside a row ({} of {} fields)", t.size(), 1 + x->columns.size()));
    }
    Fail(path, line_no, fmt::format("bad row: {} fields; the header names {}", t.size(), 1 + x->columns.size()));
  }
  const bool p2p = PointToPoint(x->measure);
  if (!p2p && options.ranks < 2) {
    throw UsageError(
        fmt::format("{}: OSU output does not say how many ranks ran; give it with --ranks N (the mpirun -np)", path));
  }
  const int64_t n = p2p ? 2 : options.ranks;
  char* end = nullptr;
  const long long osu_size = std::strtoll(t[0].c_str(), &end, 10);
  if (*end != '\0' || osu_size < 0) Fail(path, line_no, fmt::format("bad row: size '{}'", t[0]));
  double value = kNaN, mn = kNaN, mx = kNaN;
  bool checked = false;
  int64_t wrong = 0;
  for (size_t i = 0; i < x->columns.size(); ++i) {
    const Column c = x->columns[i];
    const std::string& v = t[i + 1];
    if (c == Column::kValidation) {
      if (v != "Pass" && v != "Fail") Fail(path, line_no, fmt::format("bad row: Validation '{}' (Pass or Fail)", v));
      checked = true;
      wrong = v == "Fail" ? 1 : 0;
      continue;
    }
    const double d = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || *end != '\0' || !std::isfinite(d) || d < 0) {
      Fail(path, line_no, fmt::format("bad row: field {} is '{}', not a number", i + 2, v));
    }
    if (i == 0) value = d;
    if (c == Column::kMin) mn = d / 1e6;
    if (c == Column::kMax) mx = d / 1e6;
  }
  const auto [size, count] = SizeAndCount(*x, osu_size, n);
  double time = kNaN, algbw = kNaN;
  switch (x->measure) {
    case Measure::kCollectiveLatency:
    case Measure::kLatency:
      time = value / 1e6;
      algbw = time > 0 ? static_cast<double>(size) / time : kNaN;
      break;
    case Measure::kBandwidth:
    case Measure::kBiBandwidth:
      algbw = value * 1e6 / (x->measure == Measure::kBiBandwidth ? 2.0 : 1.0);
      time = algbw > 0 ? static_cast<double>(size) / algbw : kNaN;
      break;
  }
  if (x->measure == Measure::kLatency && osu_size == 8) x->lat8 = time;
  if (p2p && x->measure != Measure::kLatency && osu_size > x->largest) {
    x->largest = osu_size;
    x->bw_largest = algbw;
  }
  const bool reduces =
      x->op == CollectiveOp::kAllReduce || x->op == CollectiveOp::kReduce || x->op == CollectiveOp::kReduceScatter;
  const bool rooted = x->op == CollectiveOp::kBroadcast || x->op == CollectiveOp::kReduce ||
                      x->op == CollectiveOp::kGather || x->op == CollectiveOp::kScatter;
  x->table.AddRow({std::string(CollectiveOpName(x->op)),
                   size,
                   count,
                   x->dtype,
                   std::string(reduces ? "sum" : "none"),
                   int64_t{rooted ? 0 : -1},
                   int64_t{0},
                   time,
                   algbw,
                   algbw * CollectiveBusFactor(x->op, static_cast<double>(n)),
                   wrong,
                   mn,
                   kNaN,
                   mx,
                   kNaN,
                   int64_t{checked ? 1 : 0},
                   int64_t{0},
                   std::string(),
                   std::string(),
                   std::string(),
                   kNaN,
                   kNaN});
}

const char* MeasureName(Measure m) {
  switch (m) {
    case Measure::kLatency:
      return "latency  # osu_latency: time = half the round trip";
    case Measure::kBandwidth:
      return "bandwidth  # osu_bw: time = size / bandwidth, one direction";
    case Measure::kBiBandwidth:
      return "bi-directional bandwidth  # osu_bibw: a direction is half of OSU's MB/s";
    default:
      return "collective latency";
  }
}

// One run per test that has rows.
std::vector<ImportedRun> ToRuns(const std::string& path, std::vector<Test>& tests, const ImportOptions& options) {
  std::vector<ImportedRun> runs;
  for (auto& x : tests) {
    if (x.table.size() == 0) continue;
    const bool p2p = PointToPoint(x.measure);
    ImportedRun r;
    r.kind = "collectives";
    r.source = "osu-micro-benchmarks " + x.version;
    r.rank_count = p2p ? 2 : options.ranks;
    r.config_yaml =
        fmt::format("backend: mpi\nsource: {}\nfile: {}\nosu_test: {}\nops: [{}]\ndtype: {}\n", YamlQuoted(r.source),
                    YamlQuoted(path), YamlQuoted(x.name), CollectiveOpName(x.op), x.dtype);
    r.config_yaml +=
        p2p ? fmt::format("measure: {}\nranks: 2  # OSU's point-to-point tests run on two\n", MeasureName(x.measure))
            : fmt::format(
                  "ranks: {}  # given with --ranks\n"
                  "size_convention: nccl-tests  # allgather, alltoall, gather, scatter: "
                  "OSU's size x ranks\n",
                  options.ranks);
    r.tables.push_back(std::move(x.table));
    if (p2p) {
      Table pairs = coll::P2pTableSchema();
      pairs.AddRow({int64_t{0}, int64_t{1}, std::string(), std::string(), std::string("ring"), x.bw_largest, x.lat8,
                    int64_t{0}});
      r.tables.push_back(std::move(pairs));
    }
    runs.push_back(std::move(r));
  }
  return runs;
}

// The element type of a test whose output has no "# Datatype" line (OMB
// before 7.0): the reductions use MPI_FLOAT, the others MPI_CHAR.
void DefaultDatatype(Test* x) {
  if (!x->dtype.empty()) return;
  const bool reduces =
      x->op == CollectiveOp::kAllReduce || x->op == CollectiveOp::kReduce || x->op == CollectiveOp::kReduceScatter;
  x->dtype = reduces && !PointToPoint(x->measure) ? "float" : "int8";
  x->elem = reduces && !PointToPoint(x->measure) ? 4 : 1;
}

}  // namespace

std::vector<ImportedRun> ParseOsuText(const std::string& path, const std::string& text, const ImportOptions& options) {
  static const std::regex kTitle(R"(^# OSU MPI(?:-\w+)? (.+?) Test v(\S+))");
  static const std::regex kDatatype(R"(^# Datatype: (\S+?)\.?\s*$)");
  std::vector<Test> tests;
  TextLines lines(text);
  for (std::string line; lines.Next(&line);) {
    const size_t line_no = lines.line_no();
    const bool unterminated = lines.unterminated();
    std::smatch m;
    if (std::regex_search(line, m, kTitle)) {
      auto test = TestOfTitle(m[1].str());
      if (!test) {
        Fail(path, line_no,
             fmt::format("'{}': not an OSU test clusterbench imports (the blocking collective latency tests "
                         "osu_allreduce, osu_allgather, osu_reduce_scatter, osu_bcast, osu_reduce, osu_alltoall, "
                         "osu_gather, osu_scatter; the point-to-point osu_latency, osu_bw, osu_bibw)",
                         line.substr(2)));
      }
      tests.push_back(std::move(*test));
      tests.back().version = m[2].str();
      continue;
    }
    if (std::regex_search(line, m, kDatatype)) {
      if (tests.empty()) Fail(path, line_no, "a '# Datatype' line before the '# OSU MPI ... Test' line");
      ReadDatatype(path, line_no, m[1].str(), &tests.back());
      continue;
    }
    if (line.rfind("# Size", 0) == 0) {
      if (tests.empty()) Fail(path, line_no, "a '# Size' header before the '# OSU MPI ... Test' line");
      tests.back().columns = ReadSizeHeader(path, line_no, line, tests.back());
      DefaultDatatype(&tests.back());
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
  if (runs.empty()) Fail(path, lines.line_no(), "no result rows");
  return runs;
}

}  // namespace cb::importer
