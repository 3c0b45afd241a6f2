#include "core/injection.h"

#include <fmt/format.h>

#include <algorithm>
#include <sstream>

#include "core/error.h"

namespace cb {

Injection ParseInjection(const std::string& text, const std::vector<InjectionKind>& kinds, bool fraction_below_one) {
  std::string list;
  for (const auto k : kinds) list += (list.empty() ? "" : ", ") + std::string(InjectionKindName(k));
  std::istringstream in(text);
  std::string kind, rank, frac;
  std::getline(in, kind, ':');
  std::getline(in, rank, ':');
  std::getline(in, frac, ':');
  const std::optional<InjectionKind> found = FindInjectionKind(kind);
  if (!found || std::find(kinds.begin(), kinds.end(), *found) == kinds.end()) {
    throw UsageError(fmt::format("--inject {}: unknown injection '{}' ({})", text, kind, list));
  }
  Injection inj;
  inj.kind = *found;
  try {
    size_t pos = 0;
    inj.rank = std::stoi(rank, &pos);
    if (pos != rank.size() || inj.rank < 0) throw std::invalid_argument("rank");
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--inject {}: expected KIND:RANK (slow:RANK:FRACTION), KIND one of {}", text, list));
  }
  if (inj.kind == InjectionKind::kSlow) {
    try {
      inj.fraction = std::stod(frac);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--inject {}: slow needs a FRACTION (slow:RANK:0.5)", text));
    }
    if (!(inj.fraction > 0) || (fraction_below_one && !(inj.fraction < 1))) {
      throw UsageError(fmt::format("--inject {}: FRACTION must be in {}: the share of throughput taken away", text,
                                   fraction_below_one ? "(0, 1)" : "(0, inf)"));
    }
  }
  return inj;
}

}  // namespace cb
