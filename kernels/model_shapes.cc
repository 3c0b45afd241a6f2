#include "kernels/model_shapes.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.h"

namespace cb {

TransformerDims DimsFromModel(const ConfigNode& model) {
  TransformerDims d;
  d.name = model.GetString("name", "");
  d.hidden = model.at("hidden").AsInt();
  d.heads = model.at("heads").AsInt();
  d.kv_heads = model.GetInt("kv_heads", d.heads);
  d.ffn_hidden = model.at("ffn_hidden").AsInt();
  d.swiglu = model.GetString("activation", "swiglu") == "swiglu";
  if (const ConfigNode* moe = model.Find("moe"); moe && moe->kind() == ConfigNode::Kind::kObject) {
    d.experts = moe->at("experts").AsInt();
    d.top_k = moe->at("top_k").AsInt();
    d.expert_ffn_hidden = moe->at("expert_ffn_hidden").AsInt();
    d.shared_experts = moe->GetInt("shared_experts", 0);
    d.first_dense_layers = moe->GetInt("first_dense_layers", 0);
  }
  return d;
}

namespace {

void RequireDivides(int64_t tp, int64_t value, const std::string& what, const std::string& model) {
  if (value % tp != 0) {
    throw UsageError(fmt::format("--tp {}: does not divide {} ({}) of model {}", tp, what, value, model));
  }
}

void AddMlp(std::vector<GemmShape>* out, const std::string& prefix, bool swiglu, int64_t tokens, int64_t hidden,
            int64_t ffn_per_gpu) {
  if (swiglu) {
    out->push_back({prefix + "_up_gate", tokens, 2 * ffn_per_gpu, hidden});
  } else {
    out->push_back({prefix + "_up", tokens, ffn_per_gpu, hidden});
  }
  out->push_back({prefix + "_down", tokens, hidden, ffn_per_gpu});
}

}  // namespace

std::vector<GemmShape> LayerGemms(const TransformerDims& d, int64_t tp, int64_t tokens) {
  if (tp < 1) throw UsageError(fmt::format("--tp {}: must be at least 1", tp));
  if (tokens < 1) throw UsageError(fmt::format("tokens per micro-batch {}: must be at least 1", tokens));
  if (d.hidden % d.heads != 0) {
    throw UsageError(fmt::format("model {}: heads ({}) do not divide hidden ({})", d.name, d.heads, d.hidden));
  }
  RequireDivides(tp, d.heads, "heads", d.name);
  // GQA: each GPU holds kv_heads/tp groups; with tp > kv_heads Megatron
  // replicates the groups, one per GPU, which needs tp to be a multiple.
  if (d.kv_heads >= tp) {
    RequireDivides(tp, d.kv_heads, "kv_heads", d.name);
  } else if (tp % d.kv_heads != 0) {
    throw UsageError(fmt::format("--tp {}: kv_heads ({}) of model {} must be a multiple of tp or divide it", tp,
                                 d.kv_heads, d.name));
  }
  const int64_t head = d.hidden / d.heads;
  const int64_t heads_local = d.heads / tp;
  const int64_t kv_local = std::max<int64_t>(1, d.kv_heads / tp);
  std::vector<GemmShape> out;
  out.push_back({"qkv", tokens, (heads_local + 2 * kv_local) * head, d.hidden});
  out.push_back({"attn_out", tokens, d.hidden, heads_local * head});
  const bool moe = d.experts > 0;
  if (!moe || d.first_dense_layers > 0) {
    RequireDivides(tp, d.ffn_hidden, "ffn_hidden", d.name);
    AddMlp(&out, "mlp", d.swiglu, tokens, d.hidden, d.ffn_hidden / tp);
  }
  if (moe) {
    RequireDivides(tp, d.expert_ffn_hidden, "moe.expert_ffn_hidden", d.name);
    out.push_back({"router", tokens, d.experts, d.hidden});
    // Balanced routing: T·top_k token-expert pairs over E experts, at least one row.
    const int64_t per_expert = std::max<int64_t>(1, (tokens * d.top_k + d.experts - 1) / d.experts);
    AddMlp(&out, "expert", d.swiglu, per_expert, d.hidden, d.expert_ffn_hidden / tp);
    if (d.shared_experts > 0) {
      AddMlp(&out, "shared", d.swiglu, tokens, d.hidden, d.shared_experts * d.expert_ffn_hidden / tp);
    }
  }
  return out;
}

}  // namespace cb
