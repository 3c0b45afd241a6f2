#include "simulator/training/pipeline.h"

#include <fmt/format.h>
#include <algorithm>
#include <functional>

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
