// Hybrid Mamba-2 / attention models (workload/mamba.h): parameter counts
// against the published sizes, the mixer's closed forms, the layer kinds'
// memory and the configuration errors a user meets.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "simulator/plan/search.h"
#include "simulator/simulate.h"
#include "simulator/training/memory.h"
#include "simulator/workload/mamba.h"
#include "simulator/workload/transformer.h"
#include "tests/simulator/shipped.h"

namespace cb::sim {
namespace {

using testing::ErrorOf;
using testing::Load;

// Nemotron-H (arXiv:2504.03624; NeMo ssm.py NemotronHConfig8B/56B): the
// pattern's layers with d_inner = 2h, 8 groups, kv 8, vocab 131072.
ModelSpec NemotronH(bool big) {
  ModelSpec m;
  m.hybrid_pattern = big ? "M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-"
                           "M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-"
                         : "M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-";
  m.layers = static_cast<int64_t>(m.hybrid_pattern.size());
  m.hidden = big ? 8192 : 4096;
  m.heads = big ? 64 : 32;
  m.kv_heads = 8;
  m.ffn_hidden = big ? 32768 : 21504;
  m.vocab = 131072;
  m.swiglu = false;  // squared ReLU, two matrices
  MambaSpec b;
  b.heads = big ? 256 : 128;
  b.state = big ? 256 : 128;
  m.mamba = b;
  return m;
}

// The counts reproduce the sizes the models are named by (8B, 56B) to 1.5%:
// in_proj h x (2·d_in + 2·G·N + H), out_proj d_in x h, the conv and the norms.
TEST(Hybrid, NemotronHCountsMatchTheirNames) {
  EXPECT_EQ(NemotronH(true).LayersOfKind(LayerKind::kMamba), 54);
  EXPECT_EQ(NemotronH(true).LayersOfKind(LayerKind::kAttention), 10);
  EXPECT_EQ(NemotronH(true).LayersOfKind(LayerKind::kMlp), 54);
  EXPECT_NEAR(CountParams(NemotronH(false)).total / 8e9, 1.0, 0.015);
  EXPECT_NEAR(CountParams(NemotronH(true)).total / 56e9, 1.0, 0.015);
  const ModelSpec small = NemotronH(false);
  const MambaSpec& b = *small.mamba;
  EXPECT_DOUBLE_EQ(MambaProjectionParams(b, 4096), 4096.0 * (2 * 8192 + 2 * 8 * 128 + 128) + 8192.0 * 4096);
}

// The SSD scan's FLOPs by kernel (workload/mamba.h): forward 2QNG + QPH + 4NPH
// per token, backward 4QNG + 2QPH + 10NPH; TP halves heads and groups and so
// the work. At Nemotron-H 8B's shape its traffic binds: 16d + 16GN + 8GQ + 12S
// + 26H bytes per token forward against ~5.5 MFLOP.
TEST(Hybrid, MixerWorkFollowsTheKernelCounts) {
  MambaSpec b;
  b.heads = 128;
  const double Q = 128, N = 128, G = 8, P = 64, H = 128;
  const MixerWork w = MambaMixerWork(b, 1000, 128, 8);
  EXPECT_DOUBLE_EQ(w.fwd_flops, 1000 * (2 * Q * N * G + Q * P * H + 4 * N * P * H));
  EXPECT_DOUBLE_EQ(w.bwd_flops, 1000 * (4 * Q * N * G + 2 * Q * P * H + 10 * N * P * H));
  const double d = H * P, S = H * P * N / Q;
  EXPECT_DOUBLE_EQ(w.fwd_bytes, 1000 * (16 * d + 16 * G * N + 8 * G * Q + 12 * S + 26 * H));
  const MixerWork half = MambaMixerWork(b, 1000, 64, 4);
  EXPECT_NEAR(half.fwd_flops / w.fwd_flops, 0.5, 1e-12);
  EXPECT_GT(w.fwd_bytes / 3.35e12, w.fwd_flops / 989e12);  // H100's HBM against its bf16 peak
}

// One block per layer: a Mamba layer keeps in_proj's input and output (zxBCdt),
// the scan's output and out_proj's input, plus its norm's input; an attention
// block without its MLP keeps less than a whole transformer layer.
TEST(Hybrid, EachLayerKindKeepsItsOwnActivations) {
  const ModelSpec m = NemotronH(false);
  MemoryInput in;
  in.model = &m;
  in.tp = 4;
  in.seq_len = 8192;
  const double h = 4096, sbh = 8192 * h / 4;
  const double inner = 8192 / h, zxbcdt = (2 * 8192 + 2 * 8 * 128 + 128) / h;
  EXPECT_NEAR(ActivationBytesPerLayer(in, LayerKind::kMamba) / sbh, 2 + 2 * zxbcdt + 2 * inner + 2 * inner + 2, 1e-9);
  EXPECT_NEAR(ActivationBytesPerLayer(in, LayerKind::kMlp) / sbh, 2 + 4 * 21504 / h + 2, 1e-9);
  EXPECT_LT(ActivationBytesPerLayer(in, LayerKind::kAttention), ActivationBytesPerLayer(in, LayerKind::kDense));
  in.recompute = Recompute::kFull;  // the layer's input only, whatever its kind
  EXPECT_DOUBLE_EQ(ActivationBytesPerLayer(in, LayerKind::kMamba), 2 * sbh);
}

// The shipped Llama 3 8B scenario made a hybrid: its 32 layers alternate
// Mamba mixers and MLPs around four attention layers. It simulates, its model
// FLOPs are the kinds' sum, and replacing Mamba mixers by attention changes
// the step; a pattern that does not fit the model is refused by key.
TEST(Hybrid, PatternDrivesTheStepAndIsChecked) {
  const std::string pattern = "M-M-M*-M-M-M-M*-M-M-M*-M-M-M*-M-";
  const std::vector<Override> hybrid = {{"model.hybrid_pattern", "'" + pattern + "'"},
                                        {"model.mamba.heads", "128"},
                                        {"parallelism.tp", "2"},
                                        {"parallelism.pp", "1"},
                                        {"parallelism.dp", "32"},
                                        {"training.global_batch", "64"}};
  const Scenario s = Load("llama3-8b-64", hybrid);
  EXPECT_EQ(s.model.LayersOfKind(LayerKind::kMamba), 14);
  const SimResult r = Simulate(s);
  EXPECT_GT(r.step_time_s, 0);
  EXPECT_TRUE(r.fits_in_memory);
  std::vector<Override> more_attention = hybrid;
  more_attention[0].value = "'*-*-M*-M-M-M-M*-M-M-M*-M-M-M*-M-'";
  EXPECT_NE(Simulate(Load("llama3-8b-64", more_attention)).step_time_s, r.step_time_s);

  // Context parallelism: each Mamba mixer redistributes its tokens to heads and back (two all-to-alls a pass),
  // beyond what the attention layers' K/V ring exposes.
  std::vector<Override> cp = hybrid;
  cp[4].value = "16";
  cp.push_back({"parallelism.cp", "2"});
  std::vector<Override> no_mamba = cp;
  no_mamba[0].value = "'--------*--------*--------*--*--'";
  EXPECT_GT(Simulate(Load("llama3-8b-64", cp)).breakdown.cp_comm_exposed_s,
            Simulate(Load("llama3-8b-64", no_mamba)).breakdown.cp_comm_exposed_s);
  std::vector<Override> short_pattern = hybrid;
  short_pattern[0].value = "'M-*-'";
  EXPECT_NE(ErrorOf("llama3-8b-64", short_pattern).find("model.hybrid_pattern"), std::string::npos);
  std::vector<Override> experts = hybrid;
  experts[0].value = "'M-M-M*-M-M-M-M*-M-M-M*-M-M-M*-ME'";
  EXPECT_NE(ErrorOf("llama3-8b-64", experts).find("'E' layers need model.moe"), std::string::npos);
  std::vector<Override> tp = hybrid;
  tp[2].value = "16";
  tp[4].value = "4";
  EXPECT_NE(ErrorOf("llama3-8b-64", tp).find("parallelism.tp"), std::string::npos);
}

// `plan` keeps to the layouts Megatron-Core can build: with the mixer's 8 groups cut to 2, TP 4 and 8 no longer
// divide them, so every plan has TP of at most 2 and the rejections say why.
TEST(Hybrid, PlanKeepsTpWithinTheMixersGroups) {
  const Scenario s = Load("llama3-8b-64", {{"model.hybrid_pattern", "'M-M-M*-M-M-M-M*-M-M-M*-M-M-M*-M-'"},
                                           {"model.mamba.heads", "128"},
                                           {"model.mamba.groups", "2"},
                                           {"parallelism.pp", "1"},
                                           {"parallelism.dp", "32"}});
  PlanSearchOptions o;
  o.gpus = 64;
  const PlanSearchResult r = SearchPlans(s, o);
  ASSERT_FALSE(r.plans.empty());
  for (const Plan& p : r.plans) EXPECT_LE(p.par.tp, 2);
  EXPECT_GT(r.rejected.at("tp does not divide the Mamba mixer's heads and groups"), 0);
}

// Nemotron 3 Super's latent MoE (HF config: 512 experts of 2688, top-22, moe_latent_size 1024, one shared
// expert of 5376 on the hidden state): its safetensors header counts 123,611,012,096 bf16 weights of which
// 2,942,324,736 are the MTP block, 120.67 billion for the 88 layers, embeddings and head. The routed experts
// read and write the 1024-wide latent, so the experts hold 2·1024·2688 weights each, not 2·4096·2688.
TEST(Hybrid, LatentMoeCountsMatchNemotron3Super) {
  ModelSpec m;
  m.hybrid_pattern = "MEMEMEM*EMEMEMEM*EMEMEMEM*EMEMEMEMEM*EMEMEMEMEM*EMEMEMEMEM*EMEMEMEMEM*EMEMEMEM*EMEMEMEME";
  m.layers = 88;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 2;
  m.head_dim_override = 128;
  m.ffn_hidden = 2688;
  m.vocab = 131072;
  m.swiglu = false;
  m.moe = MoeSpec{.experts = 512, .top_k = 22, .expert_ffn_hidden = 2688, .shared_experts = 2, .latent = 1024};
  m.mamba = MambaSpec{.heads = 128};
  EXPECT_EQ(m.LayersOfKind(LayerKind::kExperts), 40);
  EXPECT_NEAR(CountParams(m).total / (123611012096.0 - 2942324736.0), 1.0, 0.015);
  EXPECT_DOUBLE_EQ(CountParams(m).latent_proj_per_layer, 2.0 * 4096 * 1024);
}

}  // namespace
}  // namespace cb::sim
