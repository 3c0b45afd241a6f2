// Progress of a `kernels` run: one line per finished step with the time left
// (issue 17: a host run was silent for 50-90 s). Steps are the GEMMs, dtype
// after dtype over the shapes, then `tail_steps` others (STREAM, peak, copy)
// of `tail_step_s` each. A GEMM still to run is predicted from the rate its
// dtype last measured (else the last rate of any dtype): max(budget, two
// calls), since the harness makes at least a warm-up and a timed call and
// otherwise stops near the budget (kernels/harness.h). Text only: the caller
// decides where, and whether, to print it.
#ifndef CLUSTERBENCH_KERNELS_PROGRESS_H_
#define CLUSTERBENCH_KERNELS_PROGRESS_H_

#include <map>
#include <string>
#include <vector>

#include "kernels/gpu_bench.h"

namespace cb {

class StepProgress {
 public:
  StepProgress(std::vector<GemmDtype> dtypes, std::vector<GemmShape> shapes, int tail_steps, double tail_step_s,
               double budget_s);
  int total() const { return total_; }
  // GEMM step `index` (dtype-major) finished in took_s at `rate` FLOP/s (0: unknown).
  std::string GemmDone(size_t index, double rate, double took_s);
  // The next tail step, `what`, finished in took_s.
  std::string TailDone(const std::string& what, double took_s);
  // Predicted seconds for the steps not done yet.
  double SecondsLeft() const;

 private:
  double GemmSeconds(size_t index) const;
  std::string Line(const std::string& what, double took_s);

  std::vector<GemmDtype> dtypes_;
  std::vector<GemmShape> shapes_;
  int tail_steps_;
  double tail_step_s_, budget_s_;
  int total_ = 0, done_ = 0;
  double elapsed_ = 0, last_rate_ = 0;
  std::map<GemmDtype, double> rate_;
};

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_PROGRESS_H_
