#include "simulator/training/pipeline.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <functional>
#include <string>

#include "core/error.h"

namespace cb::sim {

std::vector<int64_t> SplitLayers(int64_t layers, int64_t stages) {
  int64_t hi = (layers + stages - 1) / stages;
  std::vector<int64_t> out(static_cast<size_t>(stages), hi);
  int64_t extra = hi * stages - layers;
  for (int64_t i = 0; extra > 0; ++i, --extra) {
    size_t idx = (i % 2 == 0) ? static_cast<size_t>(i / 2) : static_cast<size_t>(stages - 1 - i / 2);
    out[idx] -= 1;
  }
  return out;
}

std::vector<int64_t> SplitLayers(int64_t layers, int64_t stages, bool embedding_slot, bool loss_slot) {
  const int64_t e = embedding_slot ? 1 : 0, l = loss_slot ? 1 : 0;
  std::vector<int64_t> out = SplitLayers(layers + e + l, stages);
  out.front() -= e;
  out.back() -= l;
  // With one stage, or slots fewer than stages, a stage can go negative:
  // give the layer back to its neighbour (the scenario refuses the rest).
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] < 0) {
      out[i + 1] += out[i];
      out[i] = 0;
    }
  }
  for (size_t i = out.size(); i-- > 1;) {
    if (out[i] < 0) {
      out[i - 1] += out[i];
      out[i] = 0;
    }
  }
  return out;
}

namespace {

// Unrolls "(..)*n" and then "x*n", as Megatron's two regular expressions
// do ('\(([^)]+)\)\*(\d+)' and '(.)\*(\d+)'); nested parentheses, which
// Megatron's single pass leaves unexpanded, are unrolled innermost first (an
// extension). The unrolled text may not exceed `limit` characters, nor any
// step on the way a loose cap (x*0 and x*1 inside a group are longer before
// they unroll than after).
std::string UnrollLayout(std::string s, size_t limit) {
  constexpr size_t kStepCap = size_t{1} << 20;
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());  // cosmetic commas
  auto count_at = [&](size_t star, size_t* end) {
    size_t k = star + 1;
    while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k]))) ++k;
    if (k == star + 1) throw ConfigError("'*' is not followed by a count");
    if (k - star - 1 > 6)
      throw ConfigError(fmt::format("repeat count {} is too large", s.substr(star + 1, k - star - 1)));
    *end = k;
    return static_cast<size_t>(std::stoll(s.substr(star + 1, k - star - 1)));
  };
  auto check = [&](size_t size, size_t cap) {
    if (size > cap) throw ConfigError(fmt::format("it unrolls to more than {} characters", cap));
  };
  for (size_t close; (close = s.find(')')) != std::string::npos;) {
    const size_t open = s.rfind('(', close);
    if (open == std::string::npos) throw ConfigError("')' without '('");
    if (close == open + 1) throw ConfigError("'()' repeats nothing");
    if (close + 1 >= s.size() || s[close + 1] != '*') throw ConfigError("'(..)' must be followed by '*n'");
    size_t end = 0;
    const size_t n = count_at(close + 1, &end);
    const std::string body = s.substr(open + 1, close - open - 1);
    check(s.size() - (end - open) + n * body.size(), kStepCap);
    std::string rep;
    for (size_t i = 0; i < n; ++i) rep += body;
    s = s.substr(0, open) + rep + s.substr(end);
  }
  if (s.find('(') != std::string::npos) throw ConfigError("'(' without ')'");
  for (size_t star; (star = s.find('*')) != std::string::npos;) {
    if (star == 0) throw ConfigError("'*' with nothing to repeat");  // '|*n' repeats stage breaks, as in Megatron
    size_t end = 0;
    const size_t n = count_at(star, &end);
    check(s.size() - (end - star + 1) + n, kStepCap);
    s = s.substr(0, star - 1) + std::string(n, s[star - 1]) + s.substr(end);
  }
  check(s.size(), limit);
  return s;
}

}  // namespace

std::vector<LayoutStage> ParsePipelineLayout(const std::string& layout, int64_t pp, int64_t vpp, int64_t layers,
                                             int64_t mtp) {
  // A layout holds one character per layer, module and stage, and E and L.
  const auto limit = static_cast<size_t>(2 * (layers + mtp + pp * vpp) + 16);
  const std::string flat = UnrollLayout(layout, limit);
  std::vector<LayoutStage> stages(1);
  int64_t embeddings = 0, losses = 0, t_seen = 0, m_seen = 0;
  for (size_t i = 0; i < flat.size(); ++i) {
    const char ch = flat[i];
    const bool first = i == 0, last = i + 1 == flat.size();
    switch (ch) {
      case '|':
        stages.emplace_back();
        break;
      case 'E':
        if (!first) throw ConfigError("'E' (the embedding) must come exactly once, first");
        ++embeddings;
        break;
      case 'L':
        if (!last) throw ConfigError("'L' (the loss) must come exactly once, last in the last stage");
        ++losses;
        break;
      case 't':
        if (m_seen > 0) throw ConfigError("transformer layers ('t') must come before MTP layers ('m')");
        ++stages.back().layers;
        ++t_seen;
        break;
      case 'm':
        ++stages.back().mtp;
        ++m_seen;
        break;
      default:
        throw ConfigError(fmt::format("'{}' is not a layer (E, t, m, L, '|', '(..)*n', 'x*n')", ch));
    }
  }
  if (embeddings != 1) throw ConfigError("the layout must start with 'E' (the embedding)");
  if (losses != 1) throw ConfigError("the layout must end with 'L' (the loss)");
  if (static_cast<int64_t>(stages.size()) != pp * vpp) {
    throw ConfigError(fmt::format("{} stages for pp x vpp = {} x {} = {}", stages.size(), pp, vpp, pp * vpp));
  }
  if (t_seen != layers)
    throw ConfigError(fmt::format("{} transformer layers ('t') for the model's {}", t_seen, layers));
  if (m_seen != mtp) throw ConfigError(fmt::format("{} MTP layers ('m') for model.mtp_layers = {}", m_seen, mtp));
  for (size_t j = 0; j + static_cast<size_t>(pp) < stages.size(); ++j) {
    if (stages[j].mtp > 0) throw ConfigError("MTP layers must be in their rank's last chunk (Megatron-Core's rule)");
  }
  if (mtp > 0 && std::none_of(stages.begin(), stages.end(), [&](const LayoutStage& st) { return st.mtp == mtp; })) {
    throw ConfigError("all MTP layers must be in one virtual stage (Megatron-Core's rule)");
  }
  return stages;
}

std::vector<Op> StageSchedule(int64_t stage, int64_t pp, int64_t vpp, int64_t m) {
  std::vector<Op> ops;
  const int64_t total = m * vpp;
  auto unit = [&](int64_t k, bool fwd) {
    int64_t chunk = (k / pp) % vpp;
    if (!fwd) chunk = vpp - 1 - chunk;
    int64_t mb = (k / (pp * vpp)) * pp + k % pp;
    return Op{fwd, mb, chunk * pp + stage};
  };
  int64_t warmup = vpp == 1 ? std::min(pp - stage - 1, m) : std::min((pp - stage - 1) * 2 + (vpp - 1) * pp, total);
  int64_t f = 0, bk = 0;
  for (; f < warmup; ++f) ops.push_back(unit(f, true));
  while (f < total) {
    ops.push_back(unit(f++, true));
    ops.push_back(unit(bk++, false));
  }
  while (bk < total) ops.push_back(unit(bk++, false));
  return ops;
}

PipelineRun RunPipeline(int64_t pp, int64_t vpp, int64_t m, const std::vector<SimTime>& fwd_cost,
                        const std::vector<SimTime>& bwd_cost, SimTime p2p) {
  const int64_t vs = pp * vpp;
  EventQueue q;
  PipelineRun run;
  run.stage_end.assign(static_cast<size_t>(pp), 0);
  run.spans.resize(static_cast<size_t>(pp));
  run.orders.resize(static_cast<size_t>(pp));
  run.last_bwd_start.assign(static_cast<size_t>(vs), 0);
  run.last_bwd_end.assign(static_cast<size_t>(vs), 0);
  const SimTime kNever = -1;
  // ready[fwd][mb * vs + j]: when the inputs of that pass are on its GPU.
  std::vector<SimTime> ready_f(static_cast<size_t>(m * vs), kNever), ready_b(static_cast<size_t>(m * vs), kNever);
  std::vector<size_t> next(static_cast<size_t>(pp), 0);
  std::vector<bool> busy(static_cast<size_t>(pp), false);
  for (int64_t s = 0; s < pp; ++s) run.orders[static_cast<size_t>(s)] = StageSchedule(s, pp, vpp, m);
  for (int64_t mb = 0; mb < m; ++mb) ready_f[static_cast<size_t>(mb * vs)] = 0;

  std::function<void(int64_t)> try_start = [&](int64_t s) {
    auto su = static_cast<size_t>(s);
    if (busy[su] || next[su] >= run.orders[su].size()) return;
    const Op op = run.orders[su][next[su]];
    size_t key = static_cast<size_t>(op.micro_batch * vs + op.vstage);
    SimTime ready = op.forward ? ready_f[key] : ready_b[key];
    if (ready == kNever || ready > q.now()) return;  // an arrival event will retry
    busy[su] = true;
    ++next[su];
    SimTime start = q.now();
    SimTime dur = op.forward ? fwd_cost[static_cast<size_t>(op.vstage)] : bwd_cost[static_cast<size_t>(op.vstage)];
    q.After(dur, [&, s, su, op, start, key] {
      SimTime now = q.now();
      busy[su] = false;
      run.spans[su].push_back({start, now});
      run.stage_end[su] = now;
      if (op.forward) {
        if (op.vstage + 1 < vs) {
          size_t k2 = key + 1;
          int64_t dst = (op.vstage + 1) % pp;
          ready_f[k2] = now + p2p;
          q.At(
              now + p2p, [&, dst] { try_start(dst); }, 1);
        } else {
          ready_b[key] = now;  // the last stage turns around at once
        }
      } else {
        run.last_bwd_start[static_cast<size_t>(op.vstage)] = start;
        run.last_bwd_end[static_cast<size_t>(op.vstage)] = now;
        if (op.vstage > 0) {
          size_t k2 = key - 1;
          int64_t dst = (op.vstage - 1) % pp;
          ready_b[k2] = now + p2p;
          q.At(
              now + p2p, [&, dst] { try_start(dst); }, 1);
        }
      }
      try_start(s);
    });
  };
  for (int64_t s = 0; s < pp; ++s) q.At(0, [&, s] { try_start(s); });
  q.Run();
  for (int64_t s = 0; s < pp; ++s) {
    if (next[static_cast<size_t>(s)] != run.orders[static_cast<size_t>(s)].size()) {
      throw RuntimeError(
          fmt::format("simulator: pipeline schedule deadlocked at stage {} (pp={}, vpp={}, m={})", s, pp, vpp, m));
    }
  }
  run.first_start.assign(static_cast<size_t>(pp), 0);
  for (size_t s = 0; s < run.spans.size(); ++s) {
    if (!run.spans[s].empty()) run.first_start[s] = run.spans[s].front().first;
  }
  run.events = q.events_processed();
  return run;
}

PipelineRun EstimatePipeline(int64_t pp, int64_t vpp, int64_t micro_batches, const std::vector<SimTime>& fwd_cost,
                             const std::vector<SimTime>& bwd_cost, SimTime p2p) {
  const auto P = static_cast<size_t>(pp);
  const double v = static_cast<double>(vpp), m = static_cast<double>(micro_batches);
  std::vector<double> C(P, 0), B(P, 0);
  for (size_t j = 0; j < fwd_cost.size(); ++j) {
    C[j % P] += ToSeconds(fwd_cost[j]) + ToSeconds(bwd_cost[j]);
    B[j % P] += ToSeconds(bwd_cost[j]);
  }
  double sum_c = 0, max_c = 0, sum_b = 0;
  for (size_t s = 0; s < P; ++s) {
    sum_c += C[s];
    max_c = std::max(max_c, C[s]);
    sum_b += B[s];
  }
  const double t2 = ToSeconds(p2p);
  const double end0 = sum_c / v + (m - 1 / v) * max_c + 2 * (static_cast<double>(pp) * v - 1) * t2;
  PipelineRun r;
  r.stage_end.assign(P, 0);
  r.orders.resize(P);
  r.spans.resize(P);
  r.last_bwd_start.assign(fwd_cost.size(), 0);
  r.last_bwd_end.assign(fwd_cost.size(), 0);
  double drained = 0, filled = 0;
  r.first_start.assign(P, 0);
  for (size_t s = 0; s < P; ++s) {
    r.stage_end[s] = FromSeconds(end0 - drained);
    drained += B[s] / v + t2;
    // The first micro-batch reaches rank s through the first chunk of every rank before it.
    r.first_start[s] = FromSeconds(filled);
    filled += ToSeconds(fwd_cost[s]) + t2;
  }
  for (size_t j = 0; j < fwd_cost.size(); ++j) {
    const double chunk = static_cast<double>(j / P);
    const double end = ToSeconds(r.stage_end[j % P]) - chunk * sum_b / v;
    r.last_bwd_end[j] = FromSeconds(end);
    r.last_bwd_start[j] = FromSeconds(end - ToSeconds(bwd_cost[j]));
  }
  return r;
}

}  // namespace cb::sim
