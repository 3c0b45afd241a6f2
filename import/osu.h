// OSU Micro-Benchmarks' blocking collective latency tests (osu_allreduce,
// osu_allgather, osu_bcast, osu_reduce, osu_alltoall) read into a
// clusterbench collectives run, backend mpi.
//
// The format is OMB 7.x c/util/osu_util_mpi.c (print_preamble,
// print_only_header, print_stats, print_stats_validate) and the benchmarks in
// c/mpi/collective/blocking/ (e.g. osu_allgather.c, OMB 7.2): a line
// "# OSU MPI[-CUDA] Allgather Latency Test v7.2", "# Datatype: MPI_CHAR.",
// the header "# Size" (%-10s) then "Avg Latency(us)" and, with -f, "Min
// Latency(us)", "Max Latency(us)", "Iterations" (%20s, %12s), and with -c
// "Validation"; each row "%-10d%20.2f" (bytes, us averaged over ranks) and
// the same optional fields (Pass/Fail). OSU prints no rank count: the caller
// gives it. OSU's size is each rank's buffer; for allgather and alltoall it
// is one rank's block, so the nccl-tests size (the larger buffer) is size x
// ranks. Point-to-point tests and reduce_scatter are refused (not mapped yet).
#ifndef CLUSTERBENCH_IMPORT_OSU_H_
#define CLUSTERBENCH_IMPORT_OSU_H_

#include <string>
#include <vector>

#include "import/imported_run.h"

namespace cb::importer {

// One run per test in the file. Throws IoError "PATH:LINE: ..." and, without
// options.ranks, UsageError.
std::vector<ImportedRun> ParseOsuText(const std::string& path, const std::string& text, const ImportOptions& options);

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_OSU_H_
