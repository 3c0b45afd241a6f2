#include "core/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "tests/scratch_dir.h"

namespace fs = std::filesystem;

namespace cb {
namespace {

// Loader over the shipped configs only, whatever the environment says.
ConfigLoader Shipped() { return ConfigLoader({std::string(CB_SOURCE_DIR) + "/configs"}); }

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no error>";
}

using TempDir = cb::testing::ScratchDirTest;

// Every shipped document validates against its kind's schema (the directory
// names the kind), so a broken config never ships.
TEST(Config, EveryShippedDocumentLoads) {
  ConfigLoader loader = Shipped();
  int count = 0;
  for (const auto& kind : SchemaKinds()) {
    for (const auto& name : loader.Available(kind)) {
      SCOPED_TRACE(kind + "/" + name);
      EXPECT_NO_THROW(loader.Load(kind, name));
      ++count;
    }
  }
  EXPECT_GE(count, 8 + 1 + 1 + 1);  // gpus, and at least one of each other kind
}

TEST(Config, GpuSpecsInSiUnits) {
  ConfigNode h100 = Shipped().Load("gpu", "h100-sxm");
  EXPECT_DOUBLE_EQ(h100.at("peak.bf16").AsDouble(), 989e12);
  EXPECT_DOUBLE_EQ(h100.at("memory_bandwidth").AsDouble(), 3350e9);
  EXPECT_DOUBLE_EQ(h100.at("tdp").AsDouble(), 700);
  ConfigNode b200 = Shipped().Load("gpu", "b200");
  ASSERT_TRUE(b200.Has("unverified"));
  EXPECT_FALSE(b200.at("unverified").items().empty());
}

TEST(Config, ReferencesByNameResolveAndOverridesReachThem) {
  ConfigNode s = Shipped().Load("scenario", "llama3-405b-16k", {{"cluster.gpus", "1024"}, {"parallelism.tp", "4"}});
  EXPECT_EQ(s.at("cluster.gpus").AsInt(), 1024);
  EXPECT_EQ(s.at("cluster.gpus").where(), "--set cluster.gpus=1024");
  EXPECT_EQ(s.at("parallelism.tp").AsInt(), 4);
  EXPECT_DOUBLE_EQ(s.at("cluster.gpu.peak.bf16").AsDouble(), 989e12);  // scenario -> cluster -> gpu
  EXPECT_EQ(s.at("model.layers").AsInt(), 126);
  // 400Gb/s NICs are 50 GB/s.
  EXPECT_DOUBLE_EQ(s.at("cluster.scale_out.nic_bandwidth").AsDouble(), 50e9);
}

TEST(Config, DefaultsAreFilled) {
  ConfigNode m = Shipped().LoadString(
      "model", "name: t\nlayers: 2\nhidden: 64\nheads: 4\nffn_hidden: 256\nvocab: 100\n", "t.yaml");
  EXPECT_EQ(m.at("activation").AsString(), "swiglu");
  EXPECT_EQ(m.at("activation").where(), "default");
  EXPECT_FALSE(m.Has("moe"));
  EXPECT_FALSE(m.Has("kv_heads"));
}

TEST_F(TempDir, UnknownKeyNamesFileLineColumnAndSuggests) {
  std::string f = Write("m.yaml", "name: t\nlayers: 2\nhiden: 64\n");
  std::string e = ErrorOf([&] { Shipped().Load("model", f); });
  EXPECT_NE(e.find(f + ":3:1: unknown key 'hiden'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'hidden'"), std::string::npos) << e;
}

TEST_F(TempDir, WrongTypeNamesKeyPath) {
  std::string f = Write(
      "s.yaml",
      "model: llama3-8b\ncluster: dgx-h100-ndr\nparallelism:\n  tp: eight\ntraining: {seq_len: 8, global_batch: 8}\n");
  std::string e = ErrorOf([&] { Shipped().Load("scenario", f); });
  EXPECT_NE(e.find(f + ":4:7: key 'parallelism.tp': expected an integer, got 'eight'"), std::string::npos) << e;
}

TEST_F(TempDir, BadUnitAndOutOfRange) {
  std::string f = Write("g.yaml", "name: x\nmemory: 80GiB\nmemory_bandwidth: 3 parsecs\n");
  std::string e = ErrorOf([&] { Shipped().Load("gpu", f); });
  EXPECT_NE(e.find(f + ":3:19: key 'memory_bandwidth': unknown unit 'parsecs'"), std::string::npos) << e;
  f = Write("g2.yaml", "name: x\nmemory: -80GiB\nmemory_bandwidth: 3TB/s\n");
  e = ErrorOf([&] { Shipped().Load("gpu", f); });
  EXPECT_NE(e.find(":2:9: key 'memory': value -80GiB is out of range"), std::string::npos) << e;
  // An integer past 64 bits is out of range with the key's bounds (it used to
  // read "expected an integer"), and 300 digits are not printed back.
  const std::string digits = "1" + std::string(300, '0');
  f = Write("m.yaml", "name: x\nlayers: " + digits + "\nhidden: 64\nheads: 4\nffn_hidden: 256\nvocab: 1000\n");
  e = ErrorOf([&] { Shipped().Load("model", f); });
  EXPECT_NE(e.find(":2:9: key 'layers': value 100000000000... (301 characters) is out of range (must be 1..100000)"),
            std::string::npos)
      << e;
  EXPECT_EQ(e.find(digits), std::string::npos) << e;
}

TEST_F(TempDir, DuplicateKeyIsAnError) {
  std::string f = Write("g.yaml", "name: x\nmemory: 80GB\nmemory_bandwidth: 2TB/s\nmemory_bandwidth: 3TB/s\n");
  std::string e = ErrorOf([&] { Shipped().Load("gpu", f); });
  EXPECT_NE(e.find(f + ":4:1: duplicate key 'memory_bandwidth' (first at " + f + ":3:1)"), std::string::npos) << e;
}

TEST_F(TempDir, BrokenYamlNamesLine) {
  std::string f = Write("b.yaml", "name: x\nlayers: [1, 2\n");
  std::string e = ErrorOf([&] { Shipped().Load("model", f); });
  EXPECT_NE(e.find(f + ":"), std::string::npos) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
}

TEST_F(TempDir, RelativePathReferenceAndInline) {
  Write("gpus/mine.yaml", "name: mine\nmemory: 10GB\nmemory_bandwidth: 1TB/s\n");
  std::string c = Write("c.yaml", "name: c\ngpu: gpus/mine.yaml\ngpus: 16\n");
  ConfigNode n = Shipped().Load("cluster", c);
  EXPECT_EQ(n.at("gpu.name").AsString(), "mine");
  std::string c2 = Write("c2.yaml", "name: c\ngpu: {name: inl, memory: 1GB, memory_bandwidth: 1GB/s}\ngpus: 2\n");
  EXPECT_EQ(Shipped().Load("cluster", c2).at("gpu.name").AsString(), "inl");
}

TEST_F(TempDir, ErrorsInsideReferencedFileNameThatFile) {
  std::string g = Write("bad-gpu.yaml", "name: g\nmemory: 10GB\nmemory_bandwidth: 1TB/s\nbogus: 1\n");
  std::string c = Write("c.yaml", "name: c\ngpu: bad-gpu.yaml\ngpus: 16\n");
  std::string e = ErrorOf([&] { Shipped().Load("cluster", c); });
  EXPECT_NE(e.find(g + ":4:1: unknown key 'gpu.bogus'"), std::string::npos) << e;
  EXPECT_NE(e.find(c + ":2:6"), std::string::npos) << e;  // and where it was referenced from
}

// A path that is not a regular file is named for what it is, not "no such
// file"; a FIFO is refused without being opened (reading it would block).
TEST_F(TempDir, PathsThatAreNotFilesSayWhatTheyAre) {
  fs::create_directory(dir_ / "d.yaml");
  std::string e = ErrorOf([&] { Shipped().Load("model", PathIn("d.yaml")); });
  EXPECT_NE(e.find(PathIn("d.yaml") + ": is a directory; expected a model file"), std::string::npos) << e;
  ASSERT_EQ(mkfifo(PathIn("f.yaml").c_str(), 0600), 0);
  e = ErrorOf([&] { Shipped().Load("suite", PathIn("f.yaml")); });
  EXPECT_NE(e.find(PathIn("f.yaml") + ": is not a regular file (a FIFO); expected a suite file"), std::string::npos)
      << e;
  e = ErrorOf([&] { Shipped().Load("scenario", "/dev/zero"); });
  EXPECT_NE(e.find("/dev/zero: is not a regular file (a character device)"), std::string::npos) << e;
  fs::create_symlink("b.yaml", dir_ / "a.yaml");
  fs::create_symlink("a.yaml", dir_ / "b.yaml");
  e = ErrorOf([&] { Shipped().Load("cluster", PathIn("a.yaml")); });
  EXPECT_NE(e.find(PathIn("a.yaml") + ": too many levels of symbolic links"), std::string::npos) << e;
  e = ErrorOf([&] { Shipped().Load("model", PathIn("nope.yaml")); });
  EXPECT_NE(e.find(PathIn("nope.yaml") + ": no such model file"), std::string::npos) << e;
}

TEST(Config, UnknownNameListsKnownOnes) {
  std::string e = ErrorOf([&] { Shipped().Load("gpu", "h100-sxn"); });
  EXPECT_NE(e.find("unknown gpu 'h100-sxn'"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'h100-sxm'"), std::string::npos) << e;
  EXPECT_NE(e.find("h200-sxm"), std::string::npos) << e;
}

TEST(Config, OverrideOfUnknownKeyIsAnError) {
  std::string e = ErrorOf([&] { Shipped().Load("scenario", "llama3-405b-16k", {{"parallelism.tpp", "4"}}); });
  EXPECT_NE(e.find("--set parallelism.tpp=4"), std::string::npos) << e;
  EXPECT_NE(e.find("did you mean 'tp'"), std::string::npos) << e;
  e = ErrorOf([&] { Shipped().Load("scenario", "llama3-405b-16k", {{"parallelism.tp", "0"}}); });
  EXPECT_NE(e.find("--set parallelism.tp=0: key 'parallelism.tp': value 0 is out of range"), std::string::npos) << e;
}

TEST(Config, ParseOverride) {
  Override o = ParseOverride("a.b=c=d");
  EXPECT_EQ(o.path, "a.b");
  EXPECT_EQ(o.value, "c=d");
  EXPECT_THROW(ParseOverride("novalue"), UsageError);
  EXPECT_THROW(ParseOverride("a..b=1"), UsageError);
}

TEST(Config, DescribeListsEveryKeyWithUnitsAndDefaults) {
  std::string d = DescribeSchema("cluster");
  EXPECT_NE(d.find("scale_out.nic_bandwidth"), std::string::npos);
  EXPECT_NE(d.find("bandwidth [B/s]"), std::string::npos);
  EXPECT_NE(d.find("400Gb/s"), std::string::npos);
  for (const auto& k : SchemaKinds()) EXPECT_FALSE(DescribeSchema(k).empty());
  EXPECT_THROW(GetSchema("gpuu"), ConfigError);
}

TEST(Config, EffectiveYamlRoundTrips) {
  ConfigLoader loader = Shipped();
  ConfigNode s = loader.Load("scenario", "llama3-405b-16k");
  ConfigNode again = loader.LoadString("scenario", s.ToYaml(), "<effective>");
  EXPECT_EQ(again.ToYaml(), s.ToYaml());
}

}  // namespace
}  // namespace cb
