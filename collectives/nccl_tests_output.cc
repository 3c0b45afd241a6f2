// nccl-tests' terminal text and -J JSON (see nccl_tests_output.h). The text
// keeps nccl-tests' printf formats, so field widths are theirs.
#include "collectives/nccl_tests_output.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "collectives/datatype.h"
#include "collectives/op.h"
#include "collectives/report.h"
#include "core/error.h"
#include "core/table.h"

namespace cb::coll {
namespace {

// printf into a string: the formats below are nccl-tests' own.
[[gnu::format(printf, 1, 2)]] std::string Printf(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, format, again);
  va_end(again);
  std::string s(static_cast<size_t>(n > 0 ? n : 0), '\0');
  std::vsnprintf(s.data(), s.size() + 1, format, args);
  va_end(args);
  return s;
}

std::string Us(double s) { return fmt::format("{:.2f}", s * 1e6); }
std::string Gbps(double bps) { return fmt::format("{:.2f}", bps / 1e9); }

// The time of day as -S prints it and nccl-tests' JSON records it (its
// TIME_STRING_FORMAT), local time.
std::string LocalTime() {
  char buf[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return buf;
}

}  // namespace

std::string RankLine(const Communicator& comm, const std::string& split) {
  const RankInfo& me = comm.ranks()[static_cast<size_t>(comm.rank())];
  const int group = split.empty() ? 0 : SplitColor(split, comm.ranks(), comm.rank());
  int index = -1;
  std::string bus = "cpu", name = me.device;
  if (me.device.rfind("GPU ", 0) == 0) {
    std::istringstream in(me.device.substr(4));
    in >> index;
    std::string rest;
    std::getline(in, rest);
    rest.erase(0, rest.find_first_not_of(' '));
    const size_t last = rest.find_last_of(' ');
    bus = last == std::string::npos ? "?" : rest.substr(last + 1);
    name = last == std::string::npos ? rest : rest.substr(0, last);
  } else if (me.device == "cpu") {
    name = "host memory";
  }
  return fmt::format("#  Rank {:2d} Group {:2d} Pid {:6d} on {:>10} device {:2d} [{}] {}", me.rank, group,
                     static_cast<int>(getpid()), me.host, index, bus, name);
}

std::string HeaderText(const Communicator& comm, const BenchOptions& b, const std::string& note,
                       const std::vector<std::string>& notes, const std::vector<std::string>& rank_lines, int gpus) {
  std::string text = Printf(
      "# clusterbench collectives: backend %s (%s buffers), %d rank(s), %s, iters %d, warmup %d, checks %d, -a %d\n",
      comm.backend().c_str(), comm.device_buffers() ? "device" : "host", comm.size(),
      b.dtypes.size() > 1 ? "every type (-d all)" : Name(b.dtype), b.iters, b.warmup, b.checks, b.average);
  // nccl-tests' parameter line (src/util.cu, writeDeviceReport).
  text += Printf(
      "# nThread 1 nGpus %d minBytes %zu maxBytes %zu step: %s warmup iters: %d iters: %d agg iters: %d validation: %d "
      "graph: 0\n",
      gpus, b.min_bytes, b.max_bytes,
      b.increment > 0 ? fmt::format("{}(bytes)", b.increment).c_str() : fmt::format("{:g}(factor)", b.factor).c_str(),
      b.warmup, b.iters, b.agg_iters, b.checks);
  if (b.blocking) text += "# Blocking Enabled: wait for completion and barrier after each collective\n";
  if (comm.init_seconds() > 0) {
    const std::string how = comm.init_method().empty() ? "" : " (" + comm.init_method() + ")";
    text += Printf("# communicator init: %.3f s%s\n", comm.init_seconds(), how.c_str());
  }
  for (const auto& n : notes) text += Printf("# %s\n", n.c_str());
  if (!note.empty()) text += Printf("# %s\n", note.c_str());
  text += "#\n# Using devices\n";
  for (const auto& line : rank_lines) text += Printf("%s\n", line.c_str());
  return text;
}

std::string ColumnsText(OpKind op, const BenchOptions& b, bool timestamps) {
  const char* time = b.report_cputime ? "cputime" : "time";
  std::string text = Printf("#\n# Collective test starting: %s_perf\n", Name(op));
  text +=
      Printf("# %10s  %12s  %8s  %6s  %6s           out-of-place                       in-place\n", "", "", "", "", "");
  text += Printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s%s\n", "size", "count", "type",
                 "redop", "root", time, "algbw", "busbw", "#wrong", time, "algbw", "busbw", "#wrong",
                 timestamps ? "            timestamp" : "");
  text +=
      Printf("# %10s  %12s  %8s  %6s  %6s  %7s  %6s  %6s  %6s  %7s  %6s  %6s  %6s%s\n", "(B)", "(elements)", "", "", "",
             "(us)", "(GB/s)", "(GB/s)", "", "(us)", "(GB/s)", "(GB/s)", "", timestamps ? "    %Y-%m-%d %H:%M:%S" : "");
  return text;
}

std::string RowText(const SizeResult& r, bool timestamps) {
  auto part = [&](bool has, const Timing& t) {
    if (!has) return fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", "-", "-", "-", "-");
    const std::string wrong = r.checked ? std::to_string(t.wrong) : std::string("N/A");
    return fmt::format("  {:>7}  {:>6}  {:>6}  {:>6}", Us(t.time_s), Gbps(t.algbw), Gbps(t.busbw), wrong);
  };
  std::string stamp;
  if (timestamps) stamp = fmt::format("  {:>19}", LocalTime());
  return Printf("%12zu  %12zu  %8s  %6s  %6d%s%s%s\n", r.size, r.count, Name(r.dtype),
                IsReduction(r.op) ? Name(r.redop) : "none", r.root, part(r.has_out_of_place, r.out_of_place).c_str(),
                part(r.has_in_place, r.in_place).c_str(), stamp.c_str());
}

std::string FooterText(const BenchOptions& b, const BenchReport& rep) {
  std::string text = Printf("# %-20s : %lld %s\n", "Out of bounds values", static_cast<long long>(rep.total_wrong),
                            rep.total_wrong ? "FAILED" : "OK");
  text += Printf("# %-20s : %g \n#\n", "Avg bus bandwidth", rep.avg_busbw / 1e9);
  std::string concluded;
  for (OpKind op : b.ops) concluded += fmt::format("{}{}_perf", concluded.empty() ? "" : ", ", Name(op));
  if (!concluded.empty()) text += Printf("# Collective test concluded: %s\n#\n", concluded.c_str());
  return text;
}

std::string RankTimesText(const Communicator& comm, const BenchOptions& b, const BenchReport& rep) {
  std::string text =
      Printf("# per-rank time inside the op (us): min / median / max / p99%s, and late ranks (%s)\n",
             b.iteration_stats ? " / cv" : "",
             b.iteration_stats ? "-I: every op of the timed loop" : "a side pass of up to 50 ops after the timed loop");
  for (const auto& r : rep.results) {
    const Timing& t = r.out_of_place;
    std::string late;
    for (int x : t.late_ranks) late += " " + RankAt(comm, x);
    // A stop may land in either placement's measurement: the line
    // is per size, so it names the ranks of both.
    std::set<int> stalled_ranks(t.stalled_ranks.begin(), t.stalled_ranks.end());
    stalled_ranks.insert(r.in_place.stalled_ranks.begin(), r.in_place.stalled_ranks.end());
    std::string stalled;
    for (int x : stalled_ranks) stalled += " " + RankAt(comm, x);
    const std::string cv = b.iteration_stats ? fmt::format(" / {:.3f}", t.iter_cv) : "";
    // With -d all / -o all the rows of one size differ by type and reduction: say which.
    std::string what = Name(r.op);
    if (b.dtypes.size() > 1) what += fmt::format(" {}", Name(r.dtype));
    if (b.redops.size() > 1 && IsReduction(r.op)) what += fmt::format(" {}", Name(r.redop));
    text += Printf("# %-14s %12zu  %s / %s / %s / %s%s%s%s%s%s\n", what.c_str(), r.size, Us(t.rank_time.min).c_str(),
                   Us(t.rank_time.median).c_str(), Us(t.rank_time.max).c_str(), Us(t.rank_time.p99).c_str(), cv.c_str(),
                   late.empty() ? "" : "  late:", late.c_str(),
                   stalled.empty() ? "" : "  STALLED (stopped and resumed; not a fabric figure):", stalled.c_str());
  }
  return text;
}

std::string GroupsAndP2pText(const BenchOptions& b, const BenchReport& rep) {
  std::string text;
  if (!rep.groups.empty()) {
    text += Printf(
        "# %d concurrent groups (--split %s); per group, out of place: op size group members first-rank time(us) "
        "busbw(GB/s) #wrong\n",
        rep.group_count, b.split.c_str());
    if (rep.group_init_seconds > 0) {
      text += Printf("# group communicators init: %.3f s (slowest group%s%s)\n", rep.group_init_seconds,
                     rep.group_init_method.empty() ? "" : ", ", rep.group_init_method.c_str());
    }
    for (const auto& g : rep.groups) {
      if (g.in_place) continue;
      text += Printf("#   %-14s %12zu %5d %5d %6d %10s %8s %6lld\n", Name(g.op), g.size, g.group, g.members,
                     g.first_rank, Us(g.time_s).c_str(), Gbps(g.busbw).c_str(), static_cast<long long>(g.wrong));
    }
  }
  for (const auto& p : rep.p2p) {
    text +=
        Printf("# p2p %-5s %4d -> %-4d %10s GB/s %10s us%s\n", p.kind.c_str(), p.src, p.dst, Gbps(p.bandwidth).c_str(),
               Us(p.latency_s).c_str(), p.flagged ? "  FLAGGED: far below the median" : "");
  }
  return text;
}

NcclTestsJson::NcclTestsJson(const std::string& path, const std::string& command_line, const BenchOptions& b,
                             const std::vector<std::string>& rank_lines, bool r0, int gpus, bool say)
    : on_(r0 && !path.empty()) {
  if (!on_) return;
  path_ = path;
  for (int i = 0; std::ifstream(path_).good(); ++i) path_ = fmt::format("{}.{}", path, i);
  doc_["version"] = 1;
  doc_["start_time"] = LocalTime();
  doc_["args"] = nlohmann::ordered_json::array();
  std::istringstream words(command_line);
  for (std::string w; words >> w;) doc_["args"].push_back(w);
  doc_["env"] = nlohmann::ordered_json::array();
  for (const auto& [k, v] : MakeRunInfo("collectives", "").environment) doc_["env"].push_back(k + "=" + v);
  doc_["nccl_version"] = 0;  // not known here (the NCCL backend's version is in `clusterbench info`)
  nlohmann::ordered_json& c = doc_["config"];
  c["nthreads"] = 1;
  c["ngpus"] = gpus;
  c["minimum_bytes"] = b.min_bytes;
  c["maximum_bytes"] = b.max_bytes;
  if (b.increment > 0) {
    c["step_bytes"] = b.increment;
  } else {
    c["step_factor"] = static_cast<int>(b.factor);
  }
  c["warmup_iters"] = b.warmup;
  c["iterations"] = b.iters;
  c["aggregated_iterations"] = b.agg_iters;
  c["validation"] = b.checks;
  c["graph"] = 0;
  c["blocking_collectives"] = b.blocking ? "true" : "false";
  c["parallel_init"] = "false";
  c["devices"] = nlohmann::ordered_json::array();
  for (const auto& line : rank_lines) c["devices"].push_back(Device(line));
  doc_["results"] = nlohmann::ordered_json::array();
  if (say) std::printf("# Writing JSON output to %s\n", path_.c_str());
}

void NcclTestsJson::Row(const SizeResult& r) {
  if (!on_) return;
  nlohmann::ordered_json row;
  row["size"] = r.size;
  row["count"] = r.count;
  row["type"] = Name(r.dtype);
  row["redop"] = IsReduction(r.op) ? Name(r.redop) : "none";
  row["root"] = fmt::format("{:6d}", r.root);
  auto body = [&](bool has, const Timing& t) {
    if (!has) return nlohmann::ordered_json(nullptr);
    nlohmann::ordered_json x;
    x["time"] = t.time_s * 1e6;
    x["alg_bw"] = t.algbw / 1e9;
    x["bus_bw"] = t.busbw / 1e9;
    x["nwrong"] = r.checked ? nlohmann::ordered_json(static_cast<double>(t.wrong)) : nlohmann::ordered_json(nullptr);
    return x;
  };
  row["out_of_place"] = body(r.has_out_of_place, r.out_of_place);
  row["in_place"] = body(r.has_in_place, r.in_place);
  row["actual_iterations"] = iters_;
  row["experiment_name"] = fmt::format("{}_perf", Name(r.op));
  doc_["results"].push_back(row);
}

void NcclTestsJson::Finish(const BenchReport& rep, const std::string& error) {
  if (!on_) return;
  doc_["out_of_bounds"] = {{"count", rep.total_wrong}, {"okay", rep.total_wrong == 0 ? "true" : "false"}};
  doc_["average_bus_bandwidth"] = {{"bandwidth", rep.avg_busbw / 1e9}, {"okay", "unchecked"}};
  doc_["errors"] = nlohmann::ordered_json::array();
  if (!error.empty()) doc_["errors"].push_back(error);
  doc_["end_time"] = LocalTime();
  std::ofstream out(path_);
  out << doc_.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
  if (!out) throw IoError(fmt::format("-J {}: cannot write the JSON file", path_));
}

nlohmann::ordered_json NcclTestsJson::Device(const std::string& line) {
  int rank = 0, group = 0, pid = 0, device = 0, end = 0;
  char host[1025] = {0}, hex[129] = {0}, info[1025] = {0};
  std::sscanf(line.c_str(), "#  Rank %d Group %d Pid %d on %1024s device %d [%128[^]]] %1024[^\n]%n", &rank, &group,
              &pid, host, &device, hex, info, &end);
  nlohmann::ordered_json d;
  d["rank"] = rank;
  d["group"] = group;
  d["pid"] = pid;
  d["hostname"] = host;
  d["device"] = device;
  d["device_hex"] = hex;
  d["device_info"] = info;
  return d;
}

}  // namespace cb::coll
