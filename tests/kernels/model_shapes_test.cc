// Scenario: the per-GPU forward GEMMs of one transformer layer under tensor
// parallelism, m = tokens, worked out by hand from the model documents.
#include "kernels/model_shapes.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace cb {
namespace {

std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>> Flat(const std::vector<GemmShape>& v) {
  std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>> out;
  for (const auto& s : v) out.emplace_back(s.name, s.m, s.n, s.k);
  return out;
}

TEST(LayerGemms, Llama3_70bTp8) {
  // hidden 8192, 64 heads of 128, 8 KV heads, SwiGLU 28672. tp 8: 8 query heads
  // and 1 KV group per GPU -> QKV n = (8 + 2)·128 = 1280; MLP in 2·28672/8 = 7168.
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "llama3-70b"));
  EXPECT_EQ(Flat(LayerGemms(d, 8, 8192)),
            (std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>{{"qkv", 8192, 1280, 8192},
                                                                             {"attn_out", 8192, 8192, 1024},
                                                                             {"mlp_up_gate", 8192, 7168, 8192},
                                                                             {"mlp_down", 8192, 8192, 3584}}));
}

TEST(LayerGemms, Gpt3WithGeluHasNoGateAndTp1IsTheWholeLayer) {
  // GPT-3 175B: hidden 12288, 96 heads (no GQA), GELU 49152.
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "gpt3-175b"));
  EXPECT_EQ(Flat(LayerGemms(d, 1, 2048)),
            (std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>{{"qkv", 2048, 3 * 12288, 12288},
                                                                             {"attn_out", 2048, 12288, 12288},
                                                                             {"mlp_up", 2048, 49152, 12288},
                                                                             {"mlp_down", 2048, 12288, 49152}}));
}

TEST(LayerGemms, GqaGroupsAreReplicatedWhenTpExceedsThem) {
  // Llama 3 8B: 32 heads, 8 KV heads, hidden 4096 (head 128). tp 16 > 8 KV
  // heads: 2 query heads and one (replicated) KV group per GPU: n = (2+2)·128.
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "llama3-8b"));
  auto v = LayerGemms(d, 16, 4096);
  EXPECT_EQ(v[0].n, 4 * 128);
  EXPECT_EQ(v[1].k, 2 * 128);
}

TEST(LayerGemms, MixtureOfExpertsRoutesTokensToExperts) {
  // Mixtral 8x7B: 8 experts, top-2, expert SwiGLU 14336. 4096 tokens ->
  // 4096·2/8 = 1024 rows per expert; tp 8 -> expert MLP in 2·14336/8 = 3584.
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "mixtral-8x7b"));
  auto v = Flat(LayerGemms(d, 8, 4096));
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v[2], std::make_tuple(std::string("router"), int64_t{4096}, int64_t{8}, int64_t{4096}));
  EXPECT_EQ(v[3], std::make_tuple(std::string("expert_up_gate"), int64_t{1024}, int64_t{3584}, int64_t{4096}));
  EXPECT_EQ(v[4], std::make_tuple(std::string("expert_down"), int64_t{1024}, int64_t{4096}, int64_t{1792}));
}

TEST(LayerGemms, DeepSeekV3HasDenseLayersAndASharedExpert) {
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "deepseek-v3"));
  std::vector<std::string> names;
  for (const auto& s : LayerGemms(d, 8, 4096)) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"qkv", "attn_out", "mlp_up_gate", "mlp_down", "router", "expert_up_gate",
                                             "expert_down", "shared_up_gate", "shared_down"}));
}

TEST(LayerGemms, TpThatDoesNotDivideIsAUsageErrorNamingTheNumbers) {
  TransformerDims d = DimsFromModel(ConfigLoader().Load("model", "llama3-70b"));
  try {
    LayerGemms(d, 3, 8192);
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--tp 3: does not divide heads (64)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(LayerGemms(d, 8, 0), UsageError);
  EXPECT_THROW(LayerGemms(d, 0, 8192), UsageError);
}

}  // namespace
}  // namespace cb
