// A self-test injection named on the command line, --inject KIND:RANK[:FRACTION]
// (collectives, validate): which rank misbehaves and how much. Parsed here once
// for every command that takes one; each command says which kinds it accepts.
#ifndef CLUSTERBENCH_CORE_INJECTION_H_
#define CLUSTERBENCH_CORE_INJECTION_H_

#include <string>
#include <vector>

namespace cb {

struct Injection {
  std::string kind;
  int rank = -1;
  double fraction = 0;  // slow: the share of throughput taken away
};

// `kinds`: the kinds the command accepts ("slow" needs FRACTION > 0, and < 1
// when `fraction_below_one`). Throws UsageError naming the text and the kinds.
Injection ParseInjection(const std::string& text, const std::vector<std::string>& kinds, bool fraction_below_one);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_INJECTION_H_
