// What `clusterbench collectives` prints as nccl-tests prints it (NVIDIA/
// nccl-tests src/util.cu), so that scripts written for nccl-tests read it
// (awk field positions, "Avg bus bandwidth"), and nccl-tests' own -J JSON
// document. Each text function returns the lines (each ending in '\n') that
// rank 0 prints on stdout; the caller prints them.
#ifndef CLUSTERBENCH_COLLECTIVES_NCCL_TESTS_OUTPUT_H_
#define CLUSTERBENCH_COLLECTIVES_NCCL_TESTS_OUTPUT_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collectives/communicator.h"
#include "collectives/harness.h"

namespace cb::coll {

// This rank's device line as nccl-tests prints it (src/util.cu,
// writeDeviceReport: "#  Rank %2d Group %2d Pid %6d on %10s device %2d
// [%04x:%02x:%02x] %s"), which nccl-tests' own JSON writer reads back with
// sscanf. A GPU ("GPU 3 NVIDIA H100 0000:1b:00.0") gives its index, PCI bus id
// and name; host memory gives device -1 (CUDA's cudaCpuDeviceId) [cpu].
std::string RankLine(const Communicator& comm, const std::string& split);

// The header: this command's line, nccl-tests' parameter line, the
// communicator's creation time, the notes, and every rank's device line.
std::string HeaderText(const Communicator& comm, const BenchOptions& b, const std::string& note,
                       const std::vector<std::string>& notes, const std::vector<std::string>& rank_lines, int gpus);

// Each collective's rows open as an nccl-tests run of its *_perf binary does
// (src/util.cu, writeResultHeader), so a script reads every block alike; the
// op is named in that line, never appended to a row.
std::string ColumnsText(OpKind op, const BenchOptions& b, bool timestamps);

// One data row, nccl-tests' fields in nccl-tests' order (src/util.cu,
// writeBenchmarkLinePreamble and writeBenchmarkLineBody): size count type
// redop root, then time algbw busbw #wrong out of place and in place, #wrong
// N/A when nothing was checked (-c 0), and with -S the time of day.
std::string RowText(const SizeResult& r, bool timestamps);

// nccl-tests' footer (src/util.cu, writeResultFooter): "# %-20s : %d %s" and
// "# %-20s : %g %s" (GB/s, no unit), then the op(s) concluded.
std::string FooterText(const BenchOptions& b, const BenchReport& rep);

// Per size, out of place: the per-rank time inside the op, late ranks and
// ranks that stopped and resumed.
std::string RankTimesText(const Communicator& comm, const BenchOptions& b, const BenchReport& rep);

// --split's groups (out of place) and the point-to-point pairs, as table lines.
std::string GroupsAndP2pText(const BenchOptions& b, const BenchReport& rep);

// -J FILE.json: nccl-tests' own JSON document (schema version 1: NVIDIA/
// nccl-tests src/util.cu, jsonOutputInit, writeDeviceReport,
// writeBenchmarkLine*, writeResultFooter, jsonOutputFinalize), beside this
// command's --format json and --output. Keys, order and types are nccl-tests'
// (booleans as the strings "true"/"false", the root as a "%6i" string, times
// in us, bandwidths in GB/s, "nwrong" null when unchecked); start_time is
// taken when the run starts and end_time when it ends, local time. Differences,
// said in docs/collectives.md: "env" holds the environment the HDF5 run
// records (NCCL_, CUDA_, OMPI_, PMIX_, SLURM_, CB_, HDF5_, OMP_, UCX_), not all
// of it; "args" is the command line split at spaces; "nccl_version" is 0
// where no NCCL is involved; a device is -1 [cpu] for host memory. As
// nccl-tests, an existing FILE is never overwritten: FILE.0, FILE.1, ... are
// tried. Rank 0 writes it.
class NcclTestsJson {
 public:
  // Does nothing unless `r0` and `path` is given. `rank_lines`: every rank's
  // RankLine; `say`: print "# Writing JSON output to FILE" (the table header).
  NcclTestsJson(const std::string& path, const std::string& command_line, const BenchOptions& b,
                const std::vector<std::string>& rank_lines, bool r0, int gpus, bool say);

  void Row(const SizeResult& r);
  // Writes the file; `error`: nccl-tests' "errors" entry, or empty.
  void Finish(const BenchReport& rep, const std::string& error);
  void set_iterations(int iters) { iters_ = iters; }
  // The file written (FILE, or FILE.0, FILE.1, ... when FILE exists).
  const std::string& path() const { return path_; }

 private:
  // A "#  Rank" line back into nccl-tests' device record (its parseRankInfo).
  static nlohmann::ordered_json Device(const std::string& line);

  bool on_;
  std::string path_;
  int iters_ = 0;
  nlohmann::ordered_json doc_;
};

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_NCCL_TESTS_OUTPUT_H_
