// Localisation rules: see localize.h for the maths and sources.
#include "acceptance/localize.h"

namespace cb::acceptance {

const char* CulpritKindName(Culprit::Kind kind) {
  switch (kind) {
    case Culprit::Kind::kNode:
      return "node";
    case Culprit::Kind::kNic:
      return "nic";
    case Culprit::Kind::kLink:
      return "link";
    case Culprit::Kind::kPair:
      return "pair";
  }
  return "?";
}

std::vector<Culprit> Localize(const LocalizeInput& in) {
  (void)in;
  return {};  // stub: implemented next
}

}  // namespace cb::acceptance
