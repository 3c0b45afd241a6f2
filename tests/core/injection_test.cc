// What core owns for every command: --inject text (core/injection.h), the
// output-path check (core/file_check.h CheckOutputWritable), JSON text
// (core/json_text.h) and a configuration document as JSON (core/config_json.h).
#include "core/injection.h"

#include <gtest/gtest.h>

#include <string>

#include "core/config.h"
#include "core/config_json.h"
#include "core/error.h"
#include "core/file_check.h"
#include "core/json_text.h"
#include "tests/enum_names_check.h"
#include "tests/scratch_dir.h"

namespace cb {
namespace {

std::string Refusal(const std::string& text, bool below_one = true) {
  try {
    ParseInjection(text, {InjectionKind::kSlow, InjectionKind::kCorrupt, InjectionKind::kHang}, below_one);
  } catch (const UsageError& e) {
    return e.what();
  }
  ADD_FAILURE() << text << " was accepted";
  return "";
}

// The kinds' names map to their values and back.
TEST(Injection, KindNamesMapToKindsAndBack) {
  testing::ExpectNamesRoundTrip(kInjectionKindNames, InjectionKindName, FindInjectionKind,
                                "slow, corrupt, hang, stuck, slowlink, slownic", "Slow");
}

TEST(Injection, KindRankAndFraction) {
  const Injection slow = ParseInjection("slow:3:0.25", {InjectionKind::kSlow, InjectionKind::kCorrupt}, true);
  EXPECT_EQ(slow.kind, InjectionKind::kSlow);
  EXPECT_EQ(slow.rank, 3);
  EXPECT_DOUBLE_EQ(slow.fraction, 0.25);
  const Injection corrupt = ParseInjection("corrupt:0", {InjectionKind::kSlow, InjectionKind::kCorrupt}, true);
  EXPECT_EQ(corrupt.kind, InjectionKind::kCorrupt);
  EXPECT_EQ(corrupt.rank, 0);
  // Above one only where the command allows it (collectives: a slowdown factor).
  EXPECT_DOUBLE_EQ(ParseInjection("slow:1:4", {InjectionKind::kSlow}, false).fraction, 4);
  EXPECT_EQ(Refusal("slow:1:4"), "--inject slow:1:4: FRACTION must be in (0, 1): the share of throughput taken away");
  EXPECT_EQ(Refusal("slow:1:0", false),
            "--inject slow:1:0: FRACTION must be in (0, inf): the share of throughput taken away");
  EXPECT_EQ(Refusal("nope:1"), "--inject nope:1: unknown injection 'nope' (slow, corrupt, hang)");
  // A kind clusterbench knows but this command does not take: refused the same way.
  EXPECT_EQ(Refusal("stuck:1"), "--inject stuck:1: unknown injection 'stuck' (slow, corrupt, hang)");
  EXPECT_EQ(Refusal("hang:x"),
            "--inject hang:x: expected KIND:RANK (slow:RANK:FRACTION), KIND one of slow, corrupt, hang");
  EXPECT_EQ(Refusal("slow:2"), "--inject slow:2: slow needs a FRACTION (slow:RANK:0.5)");
}

using OutputWritableTest = cb::testing::ScratchDirTest;

TEST_F(OutputWritableTest, SaysWhyAnOutputCannotBeWritten) {
  EXPECT_NO_THROW(CheckOutputWritable(""));  // no output asked for
  EXPECT_NO_THROW(CheckOutputWritable(PathIn("new.h5")));
  try {
    CheckOutputWritable(dir_.string());
    ADD_FAILURE() << "a directory accepted";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()), dir_.string() + ": output is a directory, not a file");
  }
  try {
    CheckOutputWritable(PathIn("missing/x.h5"));
    ADD_FAILURE() << "a missing directory accepted";
  } catch (const IoError& e) {
    EXPECT_EQ(std::string(e.what()),
              PathIn("missing/x.h5") + ": output directory '" + PathIn("missing") + "' does not exist");
  }
}

TEST(JsonText, InvalidUtf8IsReplacedNotThrown) {
  EXPECT_EQ(JsonText({{"a", 1}}, -1), "{\"a\":1}");
  EXPECT_EQ(JsonText(nlohmann::json(std::string("x\xff")), -1), "\"x\xef\xbf\xbd\"");
  EXPECT_EQ(JsonText({{"a", 1}}), "{\n  \"a\": 1\n}");
}

TEST(ConfigJson, MapsListsAndScalarsWithUnsetKeysLeftOut) {
  ConfigNode doc = ConfigNode::Object("", "t");
  doc.Set("name", ConfigNode::Scalar(ConfigNode::Kind::kString, "x", "name", "t"));
  doc.Set("n", ConfigNode::Scalar(ConfigNode::Kind::kInt, "3", "n", "t"));
  doc.Set("b", ConfigNode::Scalar(ConfigNode::Kind::kBool, "true", "b", "t"));
  doc.Set("unset", ConfigNode::Scalar(ConfigNode::Kind::kNull, "", "unset", "t"));
  const nlohmann::json j = ConfigToJson(doc);
  EXPECT_EQ(j, nlohmann::json({{"name", "x"}, {"n", 3}, {"b", true}}));

  ConfigLoader loader({std::string(CB_SOURCE_DIR) + "/configs"});
  const nlohmann::json c = ConfigToJson(loader.Load("cluster", "dgx-h100-ndr"));
  EXPECT_EQ(c["name"], "DGX H100 NDR 16k");
  EXPECT_EQ(c["gpus"], 16384);
  EXPECT_EQ(c["scale_out"]["nic_bandwidth"], 5e10);  // SI units, as config show prints them
  ASSERT_TRUE(c["scale_out"]["tiers"].is_array());
  EXPECT_EQ(c["scale_out"]["tiers"].size(), 3u);
}

}  // namespace
}  // namespace cb
