// What a fabric check blames and how it found it: the typed view of the
// `kind` (node, nic, link, pair) and `method` (pairs, bisection) of a culprit
// that validate names (acceptance/localize.h for the pairs check,
// acceptance/fabric.h for bisection) and stores in its `validate_culprits`
// table, owned here so that acceptance, which names them, and calibrate, which
// reads them back for the simulator (calibrate/evidence.h), share one table of
// names (issue 16, point 4). A stored name this build does not know is an
// error listing the valid ones where the file is read.
#ifndef CLUSTERBENCH_CORE_FABRIC_CULPRIT_H_
#define CLUSTERBENCH_CORE_FABRIC_CULPRIT_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/enum_names.h"

namespace cb {

// A whole node (every rail slow), one NIC of a node ("node/rail R"), a link of
// the fabric, or a pair of nodes that no single part explains.
enum class CulpritKind { kNode, kNic, kLink, kPair };

inline constexpr EnumName<CulpritKind> kCulpritKindNames[] = {{"node", CulpritKind::kNode},
                                                              {"nic", CulpritKind::kNic},
                                                              {"link", CulpritKind::kLink},
                                                              {"pair", CulpritKind::kPair}};

inline const char* CulpritKindName(CulpritKind k) { return NameOf(kCulpritKindNames, k); }
// The kind named exactly `name`; nullopt for none.
inline std::optional<CulpritKind> FindCulpritKind(std::string_view name) { return ValueOf(kCulpritKindNames, name); }
// "node, nic, link, pair": the valid names, for an error.
inline std::string CulpritKindNames() { return NameList(kCulpritKindNames); }
// A node or one of its NICs: a part of one node, which the node list names.
inline bool OfNode(CulpritKind k) { return k == CulpritKind::kNode || k == CulpritKind::kNic; }

// Found by the pairs check's localisation or by bisection of a slow group.
enum class CulpritMethod { kPairs, kBisection };

inline constexpr EnumName<CulpritMethod> kCulpritMethodNames[] = {{"pairs", CulpritMethod::kPairs},
                                                                  {"bisection", CulpritMethod::kBisection}};

inline const char* CulpritMethodName(CulpritMethod m) { return NameOf(kCulpritMethodNames, m); }
// The method named exactly `name`; nullopt for none.
inline std::optional<CulpritMethod> FindCulpritMethod(std::string_view name) {
  return ValueOf(kCulpritMethodNames, name);
}
// "pairs, bisection": the valid names, for an error.
inline std::string CulpritMethodNames() { return NameList(kCulpritMethodNames); }

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_FABRIC_CULPRIT_H_
