#include "kernels/progress.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/units.h"

namespace cb {

StepProgress::StepProgress(std::vector<GemmDtype> dtypes, std::vector<GemmShape> shapes, int tail_steps,
                           double tail_step_s, double budget_s)
    : dtypes_(std::move(dtypes)),
      shapes_(std::move(shapes)),
      tail_steps_(tail_steps),
      tail_step_s_(tail_step_s),
      budget_s_(budget_s) {
  total_ = static_cast<int>(dtypes_.size() * shapes_.size()) + tail_steps_;
}

double StepProgress::GemmSeconds(size_t index) const {
  auto it = rate_.find(dtypes_[index / shapes_.size()]);
  const double rate = it != rate_.end() ? it->second : last_rate_;
  const double call = rate > 0 ? shapes_[index % shapes_.size()].flops() / rate : 0;
  return std::max(budget_s_, 2 * call);
}

double StepProgress::SecondsLeft() const {
  const size_t gemm_steps = dtypes_.size() * shapes_.size();
  double left = 0;
  for (size_t i = std::min(static_cast<size_t>(done_), gemm_steps); i < gemm_steps; ++i) left += GemmSeconds(i);
  const int tails_done = std::max(0, done_ - static_cast<int>(gemm_steps));
  return left + std::max(0, tail_steps_ - tails_done) * tail_step_s_;
}

std::string StepProgress::Line(const std::string& what, double took_s) {
  ++done_;
  elapsed_ += took_s;
  return fmt::format("[{}/{}] {} done in {}; elapsed {}, {}", done_, total_, what,
                     FormatQuantity(took_s, Dimension::kTime), FormatQuantity(elapsed_, Dimension::kTime),
                     done_ >= total_ ? std::string("finished")
                                     : fmt::format("about {} left", FormatQuantity(SecondsLeft(), Dimension::kTime)));
}

std::string StepProgress::GemmDone(size_t index, double rate, double took_s) {
  const GemmDtype dtype = dtypes_[index / shapes_.size()];
  const GemmShape& s = shapes_[index % shapes_.size()];
  if (rate > 0) rate_[dtype] = last_rate_ = rate;
  return Line(fmt::format("gemm {} {}x{}x{}", GemmDtypeName(dtype), s.m, s.n, s.k), took_s);
}

std::string StepProgress::TailDone(const std::string& what, double took_s) { return Line(what, took_s); }

}  // namespace cb
