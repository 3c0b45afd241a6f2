// How a `clusterbench kernels` run reads on the terminal: the human tables
// (rank 0 only under MPI), and the notes and warnings about the measurements
// themselves (fewer calls than --min-reps, spreads that did not settle, one
// GPU measured by two ranks at once).
#ifndef CLUSTERBENCH_KERNELS_KERNELS_REPORT_H_
#define CLUSTERBENCH_KERNELS_KERNELS_REPORT_H_

#include <ostream>
#include <vector>

#include "core/log.h"
#include "kernels/kernels_results.h"
#include "kernels/kernels_run.h"

namespace cb {

// The run's tables (ResultTables) for people: a selection of their columns
// with readable units, every figure read from the table itself, so the
// terminal, `--format json` and the HDF5 file never disagree. `ranks`: the job
// has several ranks, so each row's device is prefixed by its rank ("3:0" is
// rank 3's GPU 0).
void PrintTables(const std::vector<Table>& tables, bool ranks, std::ostream& out);

// What the harness could not do within the rules, said once per run
// (o.min_reps, o.time_budget_s, o.target_spread name the rules), read from the
// tables' samples, budget_limited and spread columns.
void SayMeasurementQuality(const std::vector<Table>& tables, const KernelsRunOptions& o, bool ranks, const Logger& log);

// A GPU that two ranks measured at once (two ranks given the same --gpu on
// one host): both figures are shares of one GPU.
void WarnSharedGpus(const KernelsResults& res, const Logger& log);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_KERNELS_REPORT_H_
