// OSU Micro-Benchmarks' text output read into clusterbench collectives runs,
// backend mpi: the blocking collective latency tests (osu_allreduce,
// osu_allgather, osu_reduce_scatter, osu_bcast, osu_reduce, osu_alltoall,
// osu_gather, osu_scatter) and the point-to-point tests osu_latency, osu_bw
// and osu_bibw.
//
// The format is OMB 7.x c/util/osu_util_mpi.c (print_preamble,
// print_only_header, print_stats, print_stats_validate) and the benchmarks in
// c/mpi/collective/blocking/ and c/mpi/pt2pt/standard/ (e.g. osu_allgather.c,
// osu_reduce_scatter.c, osu_latency.c, OMB 7.2): a line "# OSU MPI[-CUDA]
// NAME Test v7.2" (NAME "Allgather Latency", "Reduce_scatter Latency",
// "Latency", "Bandwidth", "Bi-Directional Bandwidth"), "# Datatype: MPI_CHAR."
// (absent before 7.0: MPI_FLOAT for the reductions, MPI_CHAR otherwise), the
// header "# Size" (%-10s) then "Avg Latency(us)" ("Latency (us)" before 7.0),
// or "Bandwidth (MB/s)" for osu_bw and osu_bibw, and, with -f, "Min
// Latency(us)", "Max Latency(us)", "Iterations" (%20s, %12s), with -c
// "Validation", with -T "P50 Tail Lat(us)" columns; each row "%-10d%20.2f"
// and the same optional fields (Pass/Fail).
//
// Sizes follow nccl-tests' convention (the larger buffer): OSU's size is each
// rank's buffer, which for allgather, alltoall, gather and scatter is one
// rank's block (size x ranks); reduce_scatter's is the whole send buffer
// (the same in both). Collective output does not print the rank count: the
// caller gives it (--ranks).
//
// The point-to-point tests run on exactly two ranks (osu_latency.c: "This
// test requires exactly two processes") and become the rows of op sendrecv,
// size the bytes one rank sends, in nccl-tests' sendrecv convention (algbw =
// busbw = size / time, one direction): osu_latency's time is its latency (half
// the round trip); osu_bw's MB/s (10^6 B/s, one direction) gives time = size /
// bandwidth; osu_bibw's MB/s counts both directions, so a direction is half.
// The run's `p2p` table then holds the pair 0 -> 1 as `collectives --op p2p`
// writes it: bandwidth at the largest size (osu_bw, osu_bibw), latency of 8
// bytes (osu_latency; NaN when not measured).
#ifndef CLUSTERBENCH_IMPORT_OSU_H_
#define CLUSTERBENCH_IMPORT_OSU_H_

#include <string>
#include <vector>

#include "import/imported_run.h"

namespace cb::importer {

// One run per test in the file. Throws IoError "PATH:LINE: ..." and, for a
// collective test without options.ranks, UsageError.
std::vector<ImportedRun> ParseOsuText(const std::string& path, const std::string& text, const ImportOptions& options);

}  // namespace cb::importer

#endif  // CLUSTERBENCH_IMPORT_OSU_H_
