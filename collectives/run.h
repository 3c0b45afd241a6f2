// `clusterbench collectives` from parsed flags to exit code: the backend's
// ranks run the harness; rank 0 prints nccl-tests' table (or the --format
// json document), writes the -J file and the results file, and warns about
// stalled ranks and wrong elements. apps/collectives.cc registers the flags
// and calls RunCommand.
#ifndef CLUSTERBENCH_COLLECTIVES_RUN_H_
#define CLUSTERBENCH_COLLECTIVES_RUN_H_

#include <functional>
#include <memory>
#include <string>

#include "collectives/command.h"
#include "core/backends.h"
#include "core/table.h"

namespace cb::coll {

// How rank 0 reports the run, from the command's output flags.
struct Reporting {
  bool table = true;         // --format table; false: --format json
  bool quiet = false;        // -q: no per-rank times, no watchdog note
  std::string command_line;  // recorded with the run and in -J's "args"
  std::string output;        // --output FILE.h5, or empty
  // A fresh writer of `output`, once per write (the run, or the results so
  // far kept by the watchdog or after a signal). apps/ opens the HDF5 store,
  // so this module needs no HDF5.
  std::function<std::unique_ptr<ResultSink>()> open_output;
};

// Runs the command: the exit code (0, ExitCode::kCheckFailed for wrong
// elements, kInterrupted after a signal; a usage error found before the
// communicator exists is thrown by the job's first process and returned as a
// code by the others, so that one says it).
int RunCommand(const CommandOptions& o, const Reporting& how, const Backends& backends);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_RUN_H_
