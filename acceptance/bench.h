// What an acceptance check measures: the typed view of a suite check's
// `benchmark:` name. The suite schema admits only these names and the
// collectives' (core/schemas.cc, listing them in its error), so code switches
// on the kind instead of comparing strings (issue 16, point 4).
#ifndef CLUSTERBENCH_ACCEPTANCE_BENCH_H_
#define CLUSTERBENCH_ACCEPTANCE_BENCH_H_

#include <string>

namespace cb::acc {

enum class Bench { kGemm, kPeak, kStream, kCopy, kHealth, kPairs, kCollective };

// kCollective for a name that is none of the others (all_reduce, ...: the
// schema has checked it).
Bench ParseBench(const std::string& name);
// "gemm", ..., "pairs"; "collective" for kCollective.
const char* BenchName(Bench b);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_BENCH_H_
