#include "core/fabric_culprit.h"

#include <gtest/gtest.h>

#include <string>

namespace cb {
namespace {

// A culprit's kind and method: each name maps to its value and back, the list
// an error gives holds every valid name, and node and NIC are the node's parts.
TEST(CulpritKind, NamesMapToKindsAndBack) {
  for (CulpritKind k : ValuesOf(kCulpritKindNames)) EXPECT_EQ(FindCulpritKind(CulpritKindName(k)), k);
  EXPECT_EQ(CulpritKindName(CulpritKind::kNic), std::string("nic"));
  EXPECT_EQ(CulpritKindNames(), "node, nic, link, pair");
  EXPECT_FALSE(FindCulpritKind("switch"));
  EXPECT_FALSE(FindCulpritKind("NIC"));
  EXPECT_TRUE(OfNode(CulpritKind::kNode));
  EXPECT_TRUE(OfNode(CulpritKind::kNic));
  EXPECT_FALSE(OfNode(CulpritKind::kLink));
  EXPECT_FALSE(OfNode(CulpritKind::kPair));
}

TEST(CulpritMethod, NamesMapToMethodsAndBack) {
  for (CulpritMethod m : ValuesOf(kCulpritMethodNames)) EXPECT_EQ(FindCulpritMethod(CulpritMethodName(m)), m);
  EXPECT_EQ(CulpritMethodNames(), "pairs, bisection");
  EXPECT_FALSE(FindCulpritMethod("bisect"));
}

}  // namespace
}  // namespace cb
