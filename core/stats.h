// Summary statistics of repeated measurements (times, bandwidths).
#ifndef CLUSTERBENCH_CORE_STATS_H_
#define CLUSTERBENCH_CORE_STATS_H_

#include <cstddef>
#include <vector>

namespace cb {

struct Summary {
  std::size_t count = 0;
  double min = 0, max = 0, mean = 0, median = 0, p99 = 0;
  double mad = 0;     // median absolute deviation
  double spread = 0;  // (max - min) / median; 0 when median is 0
};

// Linear-interpolated quantile (q in [0,1]) of unsorted values; 0 when empty.
double Quantile(std::vector<double> values, double q);
double Median(std::vector<double> values);
Summary Summarize(const std::vector<double>& values);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_STATS_H_
