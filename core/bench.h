// What a measurement is of: the typed view of an acceptance check's
// `benchmark:` name and of the `benchmark` column validate stores, owned here
// so that acceptance (the suite and its runner) and the simulator (validate's
// evidence placed on a scenario, simulator/measured_fleet.h) share one mapping
// (issue 16, point 4). The suite schema admits only these names and the
// collectives' (core/schemas.cc, listing them in its error), so code switches
// on the kind instead of comparing strings.
#ifndef CLUSTERBENCH_CORE_BENCH_H_
#define CLUSTERBENCH_CORE_BENCH_H_

#include <string_view>

#include "core/enum_names.h"

namespace cb {

enum class Bench { kGemm, kPeak, kStream, kCopy, kHealth, kPairs, kCollective };

inline constexpr EnumName<Bench> kBenchNames[] = {{"gemm", Bench::kGemm},     {"peak", Bench::kPeak},
                                                  {"stream", Bench::kStream}, {"copy", Bench::kCopy},
                                                  {"health", Bench::kHealth}, {"pairs", Bench::kPairs}};

// kCollective for a name that is none of the others (all_reduce, ...: the
// schema has checked it).
inline Bench ParseBench(std::string_view name) { return ValueOf(kBenchNames, name).value_or(Bench::kCollective); }
// "gemm", ..., "pairs"; "collective" for kCollective.
inline const char* BenchName(Bench b) { return b == Bench::kCollective ? "collective" : NameOf(kBenchNames, b); }
// Measured on one node (a device or the host), as opposed to across nodes or a health reading.
inline bool IsNodeLocal(Bench b) {
  return b == Bench::kGemm || b == Bench::kPeak || b == Bench::kStream || b == Bench::kCopy;
}
// Measures FLOP/s (gemm, peak), not bytes/s.
inline bool Computes(Bench b) { return b == Bench::kGemm || b == Bench::kPeak; }

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_BENCH_H_
