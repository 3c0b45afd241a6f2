// The runner's rules that a test can check without a job (acceptance/runner.h).
#include "acceptance/runner.h"
#include "acceptance/suite.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cb::acc {
namespace {

// A host check is measured once per node, by the node's first rank, and
// nodes that share a host take turns. Ranks 0-3 on host a form nodes a:0 and
// a:1 (two ranks each): rank 0 measures first, rank 2 second. Ranks 4-5 on
// host b form one node: rank 4 measures, in the first turn of its host.
TEST(Runner, HostChecksTakeTurnsOnASharedHost) {
  const std::vector<std::string> node = {"a:0", "a:0", "a:1", "a:1", "b", "b"};
  const std::vector<std::string> host = {"a", "a", "a", "a", "b", "b"};
  const std::vector<int> expected = {0, -1, 1, -1, 0, -1};
  for (int r = 0; r < 6; ++r) EXPECT_EQ(HostMeasuringSlot(node, host, r), expected[static_cast<size_t>(r)]) << r;
  // --nodes rank on one host: every rank a node, each its own turn.
  const std::vector<std::string> each = {"h:0", "h:1", "h:2"};
  const std::vector<std::string> one = {"h", "h", "h"};
  for (int r = 0; r < 3; ++r) EXPECT_EQ(HostMeasuringSlot(each, one, r), r);
  // One node per host: everyone measures at once.
  for (int r = 0; r < 3; ++r) EXPECT_EQ(HostMeasuringSlot(each, each, r), 0);
}

// A check's kind is the typed view of its benchmark name (issue 16, point 4): every node-local and special name maps
// to its own kind and back; any other name (the schema admits only the collectives') is a collective, as is the
// pairs check for what runs over the fabric.
TEST(Bench, NamesMapToKindsAndBack) {
  for (Bench b : {Bench::kGemm, Bench::kPeak, Bench::kStream, Bench::kCopy, Bench::kHealth, Bench::kPairs}) {
    EXPECT_EQ(ParseBench(BenchName(b)), b) << BenchName(b);
  }
  EXPECT_EQ(ParseBench("all_reduce"), Bench::kCollective);
  EXPECT_STREQ(BenchName(Bench::kCollective), "collective");
  Check c;
  c.benchmark = "stream";
  EXPECT_TRUE(!c.collective() && !c.computes() && c.kind() == Bench::kStream);
  c.benchmark = "peak";
  EXPECT_TRUE(c.computes() && !c.collective());
  c.benchmark = "pairs";
  EXPECT_TRUE(c.is_pairs() && c.collective());
  c.benchmark = "health";
  EXPECT_TRUE(c.is_health() && !c.collective());
  c.benchmark = "all_gather";
  EXPECT_TRUE(c.collective() && !c.is_pairs());
}

}  // namespace
}  // namespace cb::acc
