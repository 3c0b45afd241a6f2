#include "core/fabric_culprit.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/enum_names_check.h"

namespace cb {
namespace {

// A culprit's kind and method: each name maps to its value and back, the list
// an error gives holds every valid name, and node and NIC are the node's parts.
TEST(CulpritKind, NamesMapToKindsAndBack) {
  testing::ExpectNamesRoundTrip(kCulpritKindNames, CulpritKindName, FindCulpritKind, "node, nic, link, pair", "NIC");
  EXPECT_EQ(CulpritKindNames(), "node, nic, link, pair");
  EXPECT_TRUE(OfNode(CulpritKind::kNode));
  EXPECT_TRUE(OfNode(CulpritKind::kNic));
  EXPECT_FALSE(OfNode(CulpritKind::kLink));
  EXPECT_FALSE(OfNode(CulpritKind::kPair));
}

TEST(CulpritMethod, NamesMapToMethodsAndBack) {
  testing::ExpectNamesRoundTrip(kCulpritMethodNames, CulpritMethodName, FindCulpritMethod, "pairs, bisection",
                                "bisect");
  EXPECT_EQ(CulpritMethodNames(), "pairs, bisection");
}

}  // namespace
}  // namespace cb
