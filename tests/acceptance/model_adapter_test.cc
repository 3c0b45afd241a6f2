// What the simulator tells a validation job (acceptance/model/model_adapter.h)
// without the CLI: fraction_of_model's expectation from the suite cluster's
// collective model, the refusal when there is no model, and the pairs check's
// fat tree (switches, routes named as `topology` names links).
#include "acceptance/model/model_adapter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "acceptance/suite.h"
#include "core/config.h"
#include "core/error.h"

namespace cb::acc {
namespace {

ConfigLoader Loader() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

std::vector<coll::RankInfo> Ranks(int n, int per_host) {
  std::vector<coll::RankInfo> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    out[static_cast<size_t>(i)].rank = i;
    out[static_cast<size_t>(i)].host = "h" + std::to_string(i / per_host);
  }
  return out;
}

TEST(ModelAdapter, FractionOfModelFromTheSuiteCluster) {
  const Suite suite = LoadSuite(Loader(), "fabric-ndr");
  auto expect = ModelExpectations(suite, "");
  ASSERT_TRUE(expect);
  const Check* model_check = nullptr;
  for (const auto& c : suite.checks) {
    if (c.judged_by_model()) model_check = &c;
  }
  ASSERT_NE(model_check, nullptr);
  const ModelFigure f = expect(*model_check, Ranks(2, 1));  // two nodes: the scale-out tier
  EXPECT_GT(f.value, 0);
  EXPECT_FALSE(f.how.empty());
  // No check asks for the model: nothing to answer.
  EXPECT_FALSE(ModelExpectations(LoadSuite(Loader(), "host-cpu"), ""));
}

TEST(ModelAdapter, AModelCheckWithoutAClusterOrProfileIsRefused) {
  Suite suite = LoadSuite(Loader(), "fabric-ndr");
  suite.cluster.reset();
  try {
    ModelExpectations(suite, "");
    ADD_FAILURE() << "no model accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("threshold.fraction_of_model needs a model"), std::string::npos) << e.what();
  }
}

TEST(ModelAdapter, PairsTopologyOnlyForAPairsCheckWithACluster) {
  EXPECT_FALSE(PairsTopology(LoadSuite(Loader(), "host-cpu")));
  EXPECT_FALSE(PairsTopology(LoadSuite(Loader(), "fabric-pairs")));  // no cluster: no topology
  const Suite suite = LoadSuite(Loader(), "fabric-pairs", {ParseOverride("cluster=dgx-h100-ndr")});
  auto topology = PairsTopology(suite);
  ASSERT_TRUE(topology);
  const FabricTopology t = topology(4, 2);
  ASSERT_EQ(t.switch_of.size(), 4u);
  ASSERT_TRUE(t.route);
  EXPECT_FALSE(t.route(0, 1, 0).empty());  // a pair's traffic crosses named links
  EXPECT_NE(t.note.find("topology of cluster"), std::string::npos) << t.note;
  // A job larger than the cluster: a note, no switches.
  const FabricTopology big = topology(1000000, 1);
  EXPECT_TRUE(big.switch_of.empty());
  EXPECT_NE(big.note.find("no topology"), std::string::npos) << big.note;
}

}  // namespace
}  // namespace cb::acc
