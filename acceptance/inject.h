// validate --inject: the self-test injections a run of the suite takes,
// parsed into RunOptions. slow:RANK:FRACTION and corrupt:RANK (the runner's
// node-local and collective checks), slowlink:A:B:FRACTION and
// slownic:RANK:FRACTION (the pairs check and bisection, acceptance/fabric.h).
//
// The node-local checks' seam: the runner hands every benchmark the
// injections through MeasureOptions (Runner::Options), the harness applies
// the throttle (kernels/harness.h), and IgnoredInjection below, called by the
// runner for every node-local unit before it is judged, turns an injection
// that a unit's results do not show into a FAIL (Failure::kSelfTest). So a
// benchmark, host or GPU (acceptance/device_kernels.h), is covered by
// construction: it honours the injection or validate says loudly that it
// does not.
#ifndef CLUSTERBENCH_ACCEPTANCE_INJECT_H_
#define CLUSTERBENCH_ACCEPTANCE_INJECT_H_

#include <string>
#include <vector>

#include "acceptance/runner.h"

namespace cb::acc {

// Each text in turn into `ro` (a later slow or corrupt replaces an earlier
// one; links and NICs add up). Throws UsageError naming the text and the form
// it expected. Ranks are checked against the job by the runner.
void ParseInjections(const std::vector<std::string>& injects, RunOptions* ro);

// How the rounds of one unit of node-local check `c`, measured with
// MeasureOptions::corrupt_output = `corrupt` and throttle = `throttle`, fail
// to show those injections; "" when they show (or nothing was measured).
// Counted: rounds with samples that were not interrupted. corrupt: every such
// round's check must have seen a wrong element; throttle: every such round's
// measurement must carry that throttle (Round::throttle, set by the harness
// only). The text names the benchmark and the injection, e.g. "gemm ignores
// --inject corrupt: its check saw no corrupted element in 2 of 2 round(s)
// (512 element(s) checked)".
std::string IgnoredInjection(const Check& c, const std::vector<Round>& rounds, bool corrupt, double throttle);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_INJECT_H_
