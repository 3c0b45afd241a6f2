// The parallel layout and training settings as JSON, written once for every
// command that reports a layout (simulate, plan, compare) so their keys
// cannot drift apart (issue 16: the parallelism block was written three
// times, with different fields).
#ifndef CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_JSON_H_
#define CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_JSON_H_

#include <nlohmann/json.hpp>

#include "simulator/simulate.h"

namespace cb::sim {

// {"tp", "pp", "dp", "cp", "ep", "etp", "vpp", "sequence_parallel", "zero", "shard_group"}
nlohmann::json ParallelismJson(const Parallelism& p);
// {"seq_len", "global_batch", "micro_batch", "recompute", "recompute_layers", "precision"}
nlohmann::json TrainingJson(const Training& t);

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_REPORT_LAYOUT_JSON_H_
