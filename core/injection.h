// A self-test injection named on the command line, --inject KIND:RANK[:FRACTION]
// (collectives, validate): which rank misbehaves and how much. Parsed here once
// for every command that takes one; each command says which kinds it accepts.
#ifndef CLUSTERBENCH_CORE_INJECTION_H_
#define CLUSTERBENCH_CORE_INJECTION_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/enum_names.h"

namespace cb {

// What the injected rank does: runs slow, corrupts its output, hangs, stops
// progressing (collectives), or slows a link or a NIC (validate's fabric
// injections, acceptance/inject.h, which read their own forms).
enum class InjectionKind { kSlow, kCorrupt, kHang, kStuck, kSlowLink, kSlowNic };

inline constexpr EnumName<InjectionKind> kInjectionKindNames[] = {
    {"slow", InjectionKind::kSlow},   {"corrupt", InjectionKind::kCorrupt},   {"hang", InjectionKind::kHang},
    {"stuck", InjectionKind::kStuck}, {"slowlink", InjectionKind::kSlowLink}, {"slownic", InjectionKind::kSlowNic}};

inline const char* InjectionKindName(InjectionKind k) { return NameOf(kInjectionKindNames, k); }
// The kind named exactly `name`; nullopt for none.
inline std::optional<InjectionKind> FindInjectionKind(std::string_view name) {
  return ValueOf(kInjectionKindNames, name);
}

struct Injection {
  InjectionKind kind = InjectionKind::kSlow;
  int rank = -1;
  double fraction = 0;  // slow: the share of throughput taken away
};

// `kinds`: the kinds the command accepts, in the order its error lists them
// (slow needs FRACTION > 0, and < 1 when `fraction_below_one`). Throws
// UsageError naming the text and the kinds.
Injection ParseInjection(const std::string& text, const std::vector<InjectionKind>& kinds, bool fraction_below_one);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_INJECTION_H_
