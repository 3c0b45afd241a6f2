// validate --inject: the self-test injections a run of the suite takes,
// parsed into RunOptions. slow:RANK:FRACTION and corrupt:RANK (the runner's
// node-local and collective checks), slowlink:A:B:FRACTION and
// slownic:RANK:FRACTION (the pairs check and bisection, acceptance/fabric.h).
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

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_INJECT_H_
