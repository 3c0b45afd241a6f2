// Results of other tools (nccl-tests, ...) read into clusterbench runs: the
// same kinds, tables, columns and units as clusterbench's own commands write
// (docs/results-schema.md), so report, calibrate and validate's evidence read
// them like any run. `clusterbench import` (apps/import.cc) writes them.
//
// Errors: a file that cannot be read, is not in the format, is cut short or
// has a malformed line throws cb::IoError (exit code 4) whose message starts
// with "FILE:LINE: " (or "FILE: " when no line is to blame).
#ifndef CLUSTERBENCH_IMPORT_IMPORTED_RUN_H_
#define CLUSTERBENCH_IMPORT_IMPORTED_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/table.h"

namespace cb::importer {

// One run as another tool measured it.
struct ImportedRun {
  std::string kind;    // the clusterbench command whose tables it has: "collectives", "kernels"
  std::string source;  // the tool and its version: "nccl-tests 2.17.1" ("nccl-tests" when the file does not say)
  std::vector<std::string> hosts;  // in the order the file names them
  int64_t rank_count = 1;
  // YAML: `source:`, `file:` and the tool's parameters; a collectives run
  // starts with `backend:` as clusterbench's own (calibrate reads it).
  std::string config_yaml;
  RunStatus status = RunStatus::kComplete;  // kInterrupted: a cut-short file read with `partial`
  std::string message;                      // why it is interrupted
  std::vector<Table> tables;
};

enum class Format { kNcclTestsText, kNcclTestsJson, kNvbandwidthJson, kOsuText };

struct ImportOptions {
  // The collective, for files that do not name it (nccl-tests before its
  // "# Collective test starting" line, and its -J JSON): any spelling
  // FindCollectiveOp takes. Empty: from the file, else from the file name.
  std::string op;
  // A file cut short (a killed job) keeps the rows before the cut as an
  // interrupted run instead of being an error.
  bool partial = false;
  // Ranks of a run whose output does not say (OSU); 0: not given.
  int64_t ranks = 0;
};

// "nccl-tests" (text), "nccl-tests-json", "nvbandwidth" (-j JSON) or "osu" (text); throws UsageError naming the valid
// ones.
Format ParseFormat(const std::string& name);
const char* FormatName(Format f);
// The format of `text` (read from `path`): throws IoError when it is none of them.
Format DetectFormat(const std::string& path, const std::string& text);

// Parses `text`, the contents of `path` (used in messages and, without
// options.op, to tell the collective).
std::vector<ImportedRun> ImportText(const std::string& path, const std::string& text, Format format,
                                    const ImportOptions& options);
// Reads and parses a file; the format detected when `format` is null.
std::vector<ImportedRun> ImportFile(const std::string& path, const Format* format, const ImportOptions& options);

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_IMPORTED_RUN_H_
