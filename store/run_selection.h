// Which runs of a results file `report --run ID|latest [--table T]` means, with
// the messages every reader of a file gives: a run the file does not hold is a
// file problem (IoError, exit 4) listing the runs it does hold.
#ifndef CLUSTERBENCH_STORE_RUN_SELECTION_H_
#define CLUSTERBENCH_STORE_RUN_SELECTION_H_

#include <string>
#include <vector>

#include "core/table.h"
#include "store/hdf5_store.h"

namespace cb {

struct RunSelection {
  std::vector<RunInfo> all;       // every run in the file, in the order written
  std::vector<RunInfo> selected;  // the runs asked for
  // --run latest with --table T chose an earlier run than the file's last:
  // which, and why (said on stderr); empty otherwise.
  std::string note;
};

// `run`: empty (every run), a run id, or "latest": the last run in the file
// or, with `table`, the last run that has a table `table` (what a user asking
// for the latest memory table means when a collectives run was appended after
// the kernels run). Throws IoError when no run qualifies, UsageError when
// `table` is given and the selection is not one run.
RunSelection SelectRuns(const Hdf5Reader& reader, const std::string& run, const std::string& table);

}  // namespace cb

#endif  // CLUSTERBENCH_STORE_RUN_SELECTION_H_
