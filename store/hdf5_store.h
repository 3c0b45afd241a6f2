// The results file: an HDF5 file holding many runs, each with its metadata
// and result tables (schema v1, docs/results-schema.md).
//
// Hdf5Writer is the ResultSink behind `-o`; Hdf5Reader serves report,
// calibrate and tests. This header is plain C++: HDF5 stays inside store/.
//
// Guarantees a user relies on:
//  - Crash safety: the file is never modified in place. Each commit (BeginRun,
//    each WriteTable, EndRun) copies the file, changes the copy and rename()s
//    it over the original, so a crash or SIGKILL at any instant leaves either
//    the previous file or the new one, plus at worst a stale hidden temp file.
//  - Concurrent writers: a commit holds an flock on "<path>.lock"; writers in
//    other processes wait for it (up to the lock timeout), so several jobs can
//    append to one file without losing runs.
//  - Clear errors: every failure is a cb::IoError (exit code 4) naming the
//    path and what went wrong ("no such file", "not an HDF5 file", "truncated
//    or corrupt", "locked", ...), or a cb::RuntimeError for API misuse.
#ifndef CLUSTERBENCH_STORE_HDF5_STORE_H_
#define CLUSTERBENCH_STORE_HDF5_STORE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/table.h"

namespace cb {

// Written as the root attribute `schema_version`; bumped only by incompatible
// changes (docs/results-schema.md, "Compatibility").
inline constexpr int kResultsSchemaVersion = 1;
// Written as the root attribute `format`; identifies a clusterbench file.
inline constexpr const char* kResultsFormat = "clusterbench-results";
inline constexpr std::chrono::milliseconds kDefaultLockTimeout{30000};

// Version of the HDF5 library store/ is linked with, e.g. "1.10.8".
std::string Hdf5LibraryVersion();

// Appends runs to a results file, creating it on the first commit.
//
// Not thread-safe: use one writer per thread (writers in one process exclude
// each other through the lock file like writers in different processes).
class Hdf5Writer : public ResultSink {
 public:
  // Checks up front what can be checked before a benchmark runs, so that a bad
  // -o fails in seconds and not after an hour of measuring: `path` must not be
  // a directory; if it exists it must be a writable clusterbench results file
  // of a schema version this build writes (anything else is never
  // overwritten); its directory must exist and be writable (the lock file
  // "<path>.lock" is created there).
  // `lock_timeout` bounds how long each commit waits for other writers.
  // Throws cb::IoError.
  explicit Hdf5Writer(const std::string& path, std::chrono::milliseconds lock_timeout = kDefaultLockTimeout);
  Hdf5Writer(const Hdf5Writer&) = delete;
  Hdf5Writer& operator=(const Hdf5Writer&) = delete;
  // If a run is still in progress (EndRun never called, e.g. an exception
  // unwound past the writer), marks it failed (a commit: it may wait for the
  // lock like any other); never throws.
  ~Hdf5Writer() override;

  // Creates /runs/<info.id> with status "running" (info.status and end_time
  // are ignored; an empty start_time becomes now). Throws cb::RuntimeError if
  // a run is already in progress or the id is empty or contains '/', and
  // cb::IoError if the file already has a run with this id.
  void BeginRun(const RunInfo& info) override;
  // Adds the table as dataset /runs/<id>/<table.name()>. Throws
  // cb::RuntimeError without a run in progress, for a table name already
  // written in this run, an empty or '/'-containing name, a table without
  // columns or with duplicate column names.
  void WriteTable(const Table& table) override;
  // Sets status (complete, interrupted or failed; not running), end_time (now)
  // and message. The run is over even if this throws; the file then still
  // says "running".
  void EndRun(RunStatus status, const std::string& message) override;

  // The file written: `path` with a symbolic link resolved.
  const std::string& path() const { return path_; }
  // Id of the run in progress, if any.
  const std::optional<std::string>& current_run_id() const { return run_id_; }

 private:
  std::string path_;
  std::chrono::milliseconds lock_timeout_;
  std::optional<std::string> run_id_;
};

// Reads a results file. The file is opened read-only in the constructor and
// kept open; writers never modify it in place, so a reader always sees one
// consistent version even while others append (it sees their runs only after
// being reopened).
class Hdf5Reader {
 public:
  // Throws cb::IoError whose message names `path` and says "no such file",
  // "is a directory", "not an HDF5 file", "truncated or corrupt", "not a
  // clusterbench results file", or that its schema version is too new.
  explicit Hdf5Reader(const std::string& path);
  Hdf5Reader(Hdf5Reader&&) noexcept;
  Hdf5Reader& operator=(Hdf5Reader&&) noexcept;
  ~Hdf5Reader();

  const std::string& path() const;
  int SchemaVersion() const;
  // Every run, sorted by start time (then id).
  std::vector<RunInfo> Runs() const;
  // Throws cb::IoError listing the run ids present when `run_id` is unknown.
  RunInfo Run(const std::string& run_id) const;
  // Table names of a run in the order they were written.
  std::vector<std::string> TableNames(const std::string& run_id) const;
  // Throws cb::IoError listing what exists when the run or table is unknown.
  Table ReadTable(const std::string& run_id, const std::string& table_name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cb

#endif  // CLUSTERBENCH_STORE_HDF5_STORE_H_
