#include "simulator/plan/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/units.h"

namespace cb::sim {
namespace {

// "within one scale-up domain of 8" or "across 4 scale-up domains of 72".
std::string Span(int64_t group, int64_t domain) {
  if (group <= domain) return fmt::format("within one scale-up domain of {}", domain);
  return fmt::format("across {} scale-up domains of {}", (group + domain - 1) / domain, domain);
}

}  // namespace

StepLoss LargestLoss(const Scenario& s, const SimResult& r) {
  const Breakdown& b = r.breakdown;
  const Parallelism& p = s.par;
  const double step = r.step_time_s > 0 ? r.step_time_s : 1;
  const std::vector<std::pair<std::string, double>> parts = {{"pipeline bubble", b.pp_bubble_s},
                                                             {"TP communication", b.tp_comm_exposed_s},
                                                             {"CP communication", b.cp_comm_exposed_s},
                                                             {"EP communication", b.ep_comm_exposed_s},
                                                             {"PP transfers", b.pp_comm_exposed_s},
                                                             {"DP communication", b.dp_comm_exposed_s},
                                                             {"optimizer", b.optimizer_s},
                                                             {"host-bound", b.host_bound_s}};
  const auto top =
      std::max_element(parts.begin(), parts.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
  StepLoss loss;
  const std::string mfu = fmt::format("MFU {:.1f}%", 100 * r.mfu);
  if (b.compute_s >= 0.8 * step || top->second <= 0) {
    loss.part = "none";
    loss.fraction = b.compute_s / step;
    loss.sentence =
        fmt::format("{}: compute takes {:.0f}% of the step; MFU is set by the GEMM and attention efficiency of the GPU",
                    mfu, 100 * loss.fraction);
    return loss;
  }
  loss.part = top->first;
  loss.seconds = top->second;
  loss.fraction = top->second / step;
  const int64_t domain = s.cluster.domain_gpus;
  std::string why;
  if (loss.part == "pipeline bubble") {
    const int64_t m = r.micro_batches;
    const double ideal = static_cast<double>(p.pp - 1) / static_cast<double>(p.vpp * m + p.pp - 1);
    why = fmt::format(
        "PP{}{} with {} micro-batch{} per pipeline (global batch {} = DP{} x micro-batch {} x {}), an ideal 1F1B "
        "bubble (p-1)/(v*m+p-1) of {:.0f}%; more micro-batches per pipeline (a larger global batch or fewer "
        "data-parallel replicas) or interleaving shrink it",
        p.pp, p.vpp > 1 ? fmt::format(" VPP{}", p.vpp) : "", m, m == 1 ? "" : "es", s.train.global_batch, p.dp,
        s.train.micro_batch, m, 100 * ideal);
    // A GPU count with an odd factor leaves that factor to a dimension that
    // can take it; heads and FFN widths are powers of two, so it is often PP.
    const int64_t gpus = p.tp * p.pp * p.cp * p.dp;
    int64_t odd = gpus, twos = 0;
    while (odd % 2 == 0) {
      odd /= 2;
      ++twos;
    }
    if (odd > 1 && p.pp % odd == 0) {
      why += fmt::format("; the {} GPUs (2^{} x {}) leave the factor {} to the pipeline", gpus, twos, odd, odd);
    }
  } else if (loss.part == "TP communication") {
    why = fmt::format("TP{} {}", p.tp, Span(p.tp, domain));
  } else if (loss.part == "CP communication") {
    why = fmt::format("CP{} ring attention {} (TP{} inside it)", p.cp, Span(p.tp * p.cp, domain), p.tp);
  } else if (loss.part == "EP communication") {
    why = fmt::format("EP{} all-to-all {}", p.ep, Span(p.ep * p.etp, domain));
  } else if (loss.part == "PP transfers") {
    why = fmt::format("PP{}: activations and gradients between stages over the scale-out network", p.pp);
  } else if (loss.part == "DP communication") {
    why = fmt::format("DP{}{} gradient reduction (and parameter gathers) over the scale-out network", p.dp,
                      p.zero >= 3 ? " ZeRO-3" : "");
  } else if (loss.part == "host-bound") {
    why = fmt::format(
        "the CPU issues the eager kernels of each layer pass slower than the GPU runs them ({} per call); CUDA "
        "graphs (framework.cuda_graphs), fused routers and grouped MLPs or a larger micro-batch shrink it",
        FormatQuantity(s.gpu.host_call_s, Dimension::kTime));
  } else {
    why = "the optimizer step";
  }
  loss.sentence =
      fmt::format("{}: the {} takes {:.0f}% of the step: {}", mfu,
                  loss.part == "host-bound" ? std::string("host-bound time") : loss.part, 100 * loss.fraction, why);
  return loss;
}

}  // namespace cb::sim
