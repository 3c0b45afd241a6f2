#include "core/stats.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

TEST(Stats, MedianOddAndEven) {
  EXPECT_DOUBLE_EQ(Median({3, 1, 2}), 2);
  EXPECT_DOUBLE_EQ(Median({4, 1, 3, 2}), 2.5);
  EXPECT_DOUBLE_EQ(Median({}), 0);
}

// Quantiles interpolate linearly between order statistics (numpy's default):
// for 1..101, q=0.99 is exactly 100.
TEST(Stats, QuantileInterpolates) {
  std::vector<double> v;
  for (int i = 1; i <= 101; ++i) v.push_back(i);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.99), 100);
  EXPECT_DOUBLE_EQ(Quantile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(Quantile(v, 1.0), 101);
}

TEST(Stats, SummaryMadAndSpread) {
  // median 3; |x-3| = 2,1,0,1,7 -> MAD 1; spread (10-1)/3 = 3.
  Summary s = Summarize({1, 2, 3, 4, 10});
  EXPECT_EQ(s.count, 5u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mad, 1);
  EXPECT_DOUBLE_EQ(s.spread, 3);
  EXPECT_DOUBLE_EQ(s.mean, 4);
}

}  // namespace
}  // namespace cb
