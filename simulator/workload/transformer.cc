#include "simulator/workload/transformer.h"

#include <algorithm>

#include "simulator/workload/mamba.h"

namespace cb::sim {

ModelSpec ModelFromConfig(const ConfigNode& model) {
  ModelSpec m;
  m.name = model.at("name").AsString();
  m.layers = model.at("layers").AsInt();
  m.hidden = model.at("hidden").AsInt();
  m.heads = model.at("heads").AsInt();
  m.kv_heads = model.GetInt("kv_heads", m.heads);
  m.head_dim_override = model.GetInt("head_dim", 0);
  m.ffn_hidden = model.at("ffn_hidden").AsInt();
  m.vocab = model.at("vocab").AsInt();
  m.swiglu = model.at("activation").AsString() == "swiglu";
  m.tied_embeddings = model.GetBool("tied_embeddings", false);
  m.mtp_layers = model.GetInt("mtp_layers", 0);
  m.window_size = model.GetInt("window_size", 0);
  m.window_attn_skip_freq = model.GetInt("window_attn_skip_freq", 0);
  m.glu_clamp = model.GetDouble("glu_clamp", 0);
  m.expert_bias = model.GetBool("expert_bias", false);
  if (model.Has("moe")) {
    MoeSpec e;
    e.experts = model.at("moe.experts").AsInt();
    e.top_k = model.at("moe.top_k").AsInt();
    e.expert_ffn_hidden = model.at("moe.expert_ffn_hidden").AsInt();
    e.shared_experts = model.GetInt("moe.shared_experts", 0);
    e.first_dense_layers = model.GetInt("moe.first_dense_layers", 0);
    e.layer_freq = model.GetInt("moe.layer_freq", 1);
    e.latent = model.GetInt("moe.latent", 0);
    m.moe = e;
  }
  if (model.Has("mamba")) {
    MambaSpec b;
    b.heads = model.at("mamba.heads").AsInt();
    b.head_dim = model.GetInt("mamba.head_dim", b.head_dim);
    b.state = model.GetInt("mamba.state", b.state);
    b.groups = model.GetInt("mamba.groups", b.groups);
    b.conv = model.GetInt("mamba.conv", b.conv);
    b.chunk = model.GetInt("mamba.chunk", b.chunk);
    m.mamba = b;
  }
  m.hybrid_pattern = model.GetString("hybrid_pattern", "");
  if (model.Has("mla")) {
    MlaSpec a;
    a.q_lora_rank = model.GetInt("mla.q_lora_rank", 0);
    a.kv_lora_rank = model.at("mla.kv_lora_rank").AsInt();
    a.qk_nope_head_dim = model.at("mla.qk_nope_head_dim").AsInt();
    a.qk_rope_head_dim = model.at("mla.qk_rope_head_dim").AsInt();
    a.v_head_dim = model.at("mla.v_head_dim").AsInt();
    m.mla = a;
  }
  return m;
}

const char* LayerKindName(LayerKind k) {
  switch (k) {
    case LayerKind::kDense:
      return "dense";
    case LayerKind::kMoe:
      return "moe";
    case LayerKind::kAttention:
      return "attention";
    case LayerKind::kMlp:
      return "mlp";
    case LayerKind::kExperts:
      return "experts";
    case LayerKind::kMamba:
      return "mamba";
  }
  return "?";
}

LayerKind ModelSpec::KindOf(int64_t layer) const {
  if (hybrid_pattern.empty()) return TransformerKind(IsMoeLayer(layer));
  switch (hybrid_pattern[static_cast<size_t>(layer)]) {
    case 'M':
      return LayerKind::kMamba;
    case '*':
      return LayerKind::kAttention;
    case 'E':
      return LayerKind::kExperts;
    default:
      return LayerKind::kMlp;
  }
}

std::vector<LayerKind> ModelSpec::Kinds() const {
  std::vector<LayerKind> kinds;
  auto add = [&](LayerKind k) {
    if (std::find(kinds.begin(), kinds.end(), k) == kinds.end()) kinds.push_back(k);
  };
  for (int64_t l = 0; l < layers; ++l) add(KindOf(l));
  if (mtp_layers > 0) add(MtpKind());
  return kinds;
}

ParamCounts CountParams(const ModelSpec& m) {
  ParamCounts p;
  const double h = static_cast<double>(m.hidden);
  const double d = static_cast<double>(m.head_dim());
  const double a = static_cast<double>(m.heads), g = static_cast<double>(m.kv_heads);
  p.attention_per_layer = h * (a + 2 * g) * d + a * d * h;
  if (m.mla) {
    // Q: down (h x q_lora) + its norm + up (q_lora x a·dqk), or one h x a·dqk;
    // KV: down to the latent and the RoPE key (h x (kv_lora + rope)) + norm,
    // up to every head's K (nope part) and V (kv_lora x a·(nope + v)); output a·v x h.
    const MlaSpec& l = *m.mla;
    const double ql = static_cast<double>(l.q_lora_rank), kvl = static_cast<double>(l.kv_lora_rank);
    const double dqk = static_cast<double>(m.QkHeadDim()), dv = static_cast<double>(m.VHeadDim());
    const double q = ql > 0 ? h * ql + ql + ql * a * dqk : h * a * dqk;
    p.attention_per_layer = q + h * (kvl + static_cast<double>(l.qk_rope_head_dim)) + kvl +
                            kvl * a * (static_cast<double>(l.qk_nope_head_dim) + dv) + a * dv * h;
  }
  p.dense_mlp_per_layer = static_cast<double>(m.MlpMatrices()) * h * static_cast<double>(m.ffn_hidden);
  p.norms_per_layer = 2 * h;
  if (m.moe) {
    const double fe = static_cast<double>(m.moe->expert_ffn_hidden), mult = static_cast<double>(m.MlpMatrices());
    // Routed experts on the latent width (latent MoE), shared experts on the hidden state.
    const double one_expert = mult * static_cast<double>(m.moe->ExpertWidth(m.hidden)) * fe;
    const double router = h * static_cast<double>(m.moe->experts);
    const double shared = static_cast<double>(m.moe->shared_experts) * mult * h * fe;
    p.latent_proj_per_layer = 2 * h * static_cast<double>(m.moe->latent);
    p.moe_mlp_per_layer = static_cast<double>(m.moe->experts) * one_expert + shared + router + p.latent_proj_per_layer;
    p.moe_active_mlp_per_layer =
        static_cast<double>(m.moe->top_k) * one_expert + shared + router + p.latent_proj_per_layer;
    p.shared_experts_per_layer = shared;
  }
  if (m.mamba) p.mamba_per_layer = MambaParams(*m.mamba, m.hidden);
  p.embedding = static_cast<double>(m.vocab) * h;
  p.lm_head = m.tied_embeddings ? 0 : p.embedding;
  double total = p.embedding + p.lm_head, active = total;
  for (int64_t l = 0; l < m.layers; ++l) {
    const LayerKind k = m.KindOf(l);
    double base = (HasAttention(k) ? p.attention_per_layer : 0) + Blocks(k) * h +
                  (k == LayerKind::kMamba ? p.mamba_per_layer : 0);
    const bool mlp = HasMlp(k);
    total += base + (!mlp ? 0 : IsMoe(k) ? p.moe_mlp_per_layer : p.dense_mlp_per_layer);
    active += base + (!mlp ? 0 : IsMoe(k) ? p.moe_active_mlp_per_layer : p.dense_mlp_per_layer);
  }
  // MTP: the layer, eh_proj (2h x h), enorm, hnorm and its final norm; the
  // embedding and the output head are the main model's (DeepSeek-V3 sec. 2.2).
  p.mtp_extra = 2 * h * h + 3 * h;
  const double mtp_base = p.attention_per_layer + p.norms_per_layer + p.mtp_extra;
  p.mtp_per_module = mtp_base + (m.MtpIsMoe() ? p.moe_mlp_per_layer : p.dense_mlp_per_layer);
  const double mtp = static_cast<double>(m.mtp_layers);
  p.total = total + h + mtp * p.mtp_per_module;  // final norm
  p.active = active + h + mtp * (mtp_base + (m.MtpIsMoe() ? p.moe_active_mlp_per_layer : p.dense_mlp_per_layer));
  return p;
}

double CausalAttentionWork(int64_t s, int64_t w, int64_t tile) {
  if (s <= 0) return 0;
  if (w <= 0 || w >= s) w = s;  // no window, or one wider than the sequence
  if (tile <= 1) {
    const double sw = static_cast<double>(w), ss = static_cast<double>(s);
    return w >= s ? ss * (ss + 1) / 2 : (sw + 1) * (sw + 2) / 2 + (ss - sw - 1) * (sw + 1);
  }
  // Query block i holds rows [i·tile, (i+1)·tile); its keys run from
  // max(0, i·tile - w) to its last row, so it visits the key blocks from
  // that one's to its own: i + 1 while i·tile < w, then c + 1 with
  // c = ceil(w / tile) (floor(i - w/tile) = i - c). Over n query blocks:
  const double n = static_cast<double>((s + tile - 1) / tile);
  const double c = std::min(n, static_cast<double>((w + tile - 1) / tile));
  const double visited = c * (c + 1) / 2 + (n - c) * (c + 1);
  return visited * static_cast<double>(tile) * static_cast<double>(tile);
}

double SlidingLayerWork(const ModelSpec& m, int64_t seq_len, int64_t tile) {
  if (m.window_size <= 0) return 1;
  return CausalAttentionWork(seq_len, m.window_size, tile) / CausalAttentionWork(seq_len, 0, tile);
}

double AttentionSpanFactor(const ModelSpec& m, int64_t seq_len, int64_t tile) {
  const int64_t sliding = m.SlidingLayers();
  if (sliding == 0 || m.AttentionLayers() <= 0) return 1;
  const double L = static_cast<double>(m.AttentionLayers()), Ls = static_cast<double>(sliding);
  return ((L - Ls) + Ls * SlidingLayerWork(m, seq_len, tile)) / L;
}

double FullLayerAttentionShare(const ModelSpec& m, int64_t seq_len, int64_t tile) {
  const int64_t n = m.AttentionLayers();
  if (n <= 0) return 1;
  const double full = static_cast<double>(n - m.SlidingLayers()) / static_cast<double>(n);
  return full / AttentionSpanFactor(m, seq_len, tile);
}

double ForwardFlopsPerToken(const ModelSpec& m, int64_t seq_len) {
  ParamCounts p = CountParams(m);
  // QK^T over Q·K's width and AV over V's: 2·s·a·(d_qk + d_v) (= 4·s·a·d); a
  // sliding layer counts the same convention scaled by its unmasked pairs over
  // a causal layer's.
  const double attn_core =
      2.0 * static_cast<double>(seq_len) * static_cast<double>(m.heads * (m.QkHeadDim() + m.VHeadDim()));
  const double slide = SlidingLayerWork(m, seq_len, 1);
  const double head = 2.0 * static_cast<double>(m.vocab) * static_cast<double>(m.hidden);  // LM head (tied or not)
  auto layer = [&](LayerKind k, bool sliding) {
    const double mlp = !HasMlp(k) ? 0 : IsMoe(k) ? p.moe_active_mlp_per_layer : p.dense_mlp_per_layer;
    const double attn = HasAttention(k) ? 2.0 * p.attention_per_layer + attn_core * (sliding ? slide : 1.0) : 0;
    // A Mamba mixer: its projections and the SSD scan's matmuls (the conv and norms are not counted).
    const double mixer = k == LayerKind::kMamba
                             ? 2.0 * MambaProjectionParams(*m.mamba, m.hidden) +
                                   MambaMixerWork(*m.mamba, 1, m.mamba->heads, m.mamba->groups).fwd_flops
                             : 0;
    return 2.0 * mlp + attn + mixer;
  };
  double flops = head;
  for (int64_t l = 0; l < m.layers; ++l) flops += layer(m.KindOf(l), m.IsSlidingLayer(l));
  // Each MTP module: a layer of the last one's kind, its eh_proj (2h x h) and the head again.
  const double h = static_cast<double>(m.hidden);
  return flops + static_cast<double>(m.mtp_layers) *
                     (layer(m.MtpKind(), m.IsSlidingLayer(m.layers - 1)) + 2.0 * 2 * h * h + head);
}

}  // namespace cb::sim
