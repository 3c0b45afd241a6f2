#include "calibrate/fit.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace cb::calib {
namespace {

// Weighted least squares for t ≈ Σ_j p_j · X_ij with weights 1/t_i², over the
// columns in `use` (others fixed at 0). Solves the normal equations by
// Gaussian elimination with partial pivoting; returns false when singular.
bool SolveRelative(const std::vector<std::vector<double>>& X, const std::vector<double>& t,
                   const std::vector<bool>& use, std::vector<double>* p) {
  const size_t cols = use.size();
  std::vector<size_t> idx;
  for (size_t j = 0; j < cols; ++j) {
    if (use[j]) idx.push_back(j);
  }
  const size_t q = idx.size();
  std::vector<std::vector<double>> A(q, std::vector<double>(q + 1, 0));
  for (size_t i = 0; i < t.size(); ++i) {
    const double w = 1 / (t[i] * t[i]);
    for (size_t a = 0; a < q; ++a) {
      for (size_t b = 0; b < q; ++b) A[a][b] += w * X[i][idx[a]] * X[i][idx[b]];
      A[a][q] += w * X[i][idx[a]] * t[i];
    }
  }
  for (size_t c = 0; c < q; ++c) {
    size_t piv = c;
    for (size_t r = c + 1; r < q; ++r) {
      if (std::abs(A[r][c]) > std::abs(A[piv][c])) piv = r;
    }
    if (std::abs(A[piv][c]) < 1e-300) return false;
    std::swap(A[c], A[piv]);
    for (size_t r = 0; r < q; ++r) {
      if (r == c) continue;
      const double f = A[r][c] / A[c][c];
      for (size_t k = c; k <= q; ++k) A[r][k] -= f * A[c][k];
    }
  }
  p->assign(cols, 0);
  for (size_t a = 0; a < q; ++a) (*p)[idx[a]] = A[a][q] / A[a][a];
  // Relative conditioning: a column of near-duplicates can leave garbage.
  for (double v : *p) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Fits with every column, then drops columns whose coefficient came out
// negative (from the last listed as droppable) until all are >= 0.
std::vector<double> NonNegativeFit(const std::vector<std::vector<double>>& X, const std::vector<double>& t,
                                   std::vector<bool> use, const std::vector<size_t>& droppable) {
  std::vector<double> p;
  for (size_t attempt = 0; attempt <= droppable.size(); ++attempt) {
    if (SolveRelative(X, t, use, &p) && std::all_of(p.begin(), p.end(), [](double v) { return v >= 0; })) return p;
    if (attempt == droppable.size()) break;
    use[droppable[attempt]] = false;
  }
  return {};
}

}  // namespace

FitError RelativeErrors(const std::vector<double>& predicted, const std::vector<double>& measured) {
  std::vector<double> e;
  for (size_t i = 0; i < measured.size(); ++i) e.push_back(std::abs(predicted[i] - measured[i]) / measured[i]);
  FitError out;
  if (e.empty()) return out;
  out.max = *std::max_element(e.begin(), e.end());
  std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2), e.end());
  out.median = e[e.size() / 2];
  if (e.size() % 2 == 0) {
    out.median = (out.median + *std::max_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 2))) / 2;
  }
  return out;
}

AlphaBeta FitAlphaBeta(const std::vector<double>& x, const std::vector<double>& t) {
  if (x.empty() || x.size() != t.size()) throw RuntimeError("alpha-beta fit: no points");
  for (size_t i = 0; i < t.size(); ++i) {
    if (!(t[i] > 0) || !(x[i] >= 0)) throw RuntimeError("alpha-beta fit: times must be > 0 and sizes >= 0");
  }
  std::vector<std::vector<double>> X;
  for (double v : x) X.push_back({1.0, v});
  std::vector<double> p = NonNegativeFit(X, t, {true, true}, {0});
  AlphaBeta r;
  if (p.empty() || p[1] <= 0) {
    // Times that do not grow with size: all latency, no usable bandwidth.
    p = NonNegativeFit(X, t, {true, false}, {});
    r.alpha_s = p.empty() ? 0 : p[0];
    r.bandwidth = 0;
  } else {
    r.alpha_s = p[0];
    r.bandwidth = 1 / p[1];
  }
  std::vector<double> pred;
  for (double v : x) pred.push_back(r.alpha_s + (r.bandwidth > 0 ? v / r.bandwidth : 0));
  r.error = RelativeErrors(pred, t);
  return r;
}

const Segment& Piecewise::For(double x) const {
  for (const Segment& s : segments) {
    if (x <= s.max_x) return s;
  }
  return segments.back();
}

double Piecewise::Predict(double x) const {
  const Segment& s = For(x);
  return s.fit.alpha_s + (s.fit.bandwidth > 0 ? x / s.fit.bandwidth : 0);
}

Piecewise FitPiecewise(const std::vector<double>& x, const std::vector<double>& t, int max_segments) {
  if (x.empty() || x.size() != t.size()) throw RuntimeError("piecewise fit: no points");
  std::vector<size_t> order(x.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> xs, ts;
  for (size_t i : order) {
    xs.push_back(x[i]);
    ts.push_back(t[i]);
  }
  const size_t n = xs.size();
  // cost[i][j]: squared relative error of one fit over points i..j-1.
  auto fit_range = [&](size_t i, size_t j) {
    return FitAlphaBeta(
        std::vector<double>(xs.begin() + static_cast<std::ptrdiff_t>(i), xs.begin() + static_cast<std::ptrdiff_t>(j)),
        std::vector<double>(ts.begin() + static_cast<std::ptrdiff_t>(i), ts.begin() + static_cast<std::ptrdiff_t>(j)));
  };
  auto sse = [&](const AlphaBeta& f, size_t i, size_t j) {
    double s = 0;
    for (size_t q = i; q < j; ++q) {
      const double p = f.alpha_s + (f.bandwidth > 0 ? xs[q] / f.bandwidth : 0);
      s += ((p - ts[q]) / ts[q]) * ((p - ts[q]) / ts[q]);
    }
    return s;
  };
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> cost(n + 1, std::vector<double>(n + 1, inf));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 3; j <= n; ++j) cost[i][j] = sse(fit_range(i, j), i, j);
  }
  if (n < 3) cost[0][n] = sse(fit_range(0, n), 0, n);
  Piecewise best;
  double best_aic = inf;
  for (int k = 1; k <= max_segments; ++k) {
    // dp[s][j]: best cost covering points 0..j-1 with s segments; cut[s][j] its last cut.
    std::vector<std::vector<double>> dp(static_cast<size_t>(k) + 1, std::vector<double>(n + 1, inf));
    std::vector<std::vector<size_t>> cut(static_cast<size_t>(k) + 1, std::vector<size_t>(n + 1, 0));
    dp[0][0] = 0;
    for (size_t s = 1; s <= static_cast<size_t>(k); ++s) {
      for (size_t j = 1; j <= n; ++j) {
        for (size_t i = 0; i < j; ++i) {
          if (dp[s - 1][i] == inf || cost[i][j] == inf) continue;
          if (dp[s - 1][i] + cost[i][j] < dp[s][j]) {
            dp[s][j] = dp[s - 1][i] + cost[i][j];
            cut[s][j] = i;
          }
        }
      }
    }
    if (dp[static_cast<size_t>(k)][n] == inf) break;  // too few points for k segments
    Piecewise pw;
    for (size_t s = static_cast<size_t>(k), j = n; s > 0; --s) {
      const size_t i = cut[s][j];
      pw.segments.insert(pw.segments.begin(), Segment{xs[i], xs[j - 1], fit_range(i, j)});
      j = i;
    }
    std::vector<double> pred;
    for (double v : xs) pred.push_back(pw.Predict(v));
    pw.error = RelativeErrors(pred, ts);
    // Akaike's criterion on the relative residuals: each segment costs 3
    // parameters (α, B, its cut), so a cut must earn its keep.
    const double nn = static_cast<double>(n);
    const double aic = nn * std::log(std::max(dp[static_cast<size_t>(k)][n] / nn, 1e-24)) + 2.0 * (3 * k - 1);
    if (best.segments.empty() || aic < best_aic) {
      best = pw;
      best_aic = aic;
    }
  }
  return best;
}

double GemmModel::Predict(double m, double n, double k, double wave_efficiency) const {
  return 2 * m * n * k / (rate * wave_efficiency * k / (k + k_half)) + overhead_s;
}

GemmModel FitGemm(const std::vector<GemmPoint>& points) {
  if (points.empty()) throw RuntimeError("GEMM fit: no points");
  std::vector<double> t;
  for (const auto& p : points) {
    if (!(p.time_s > 0) || !(p.m > 0 && p.n > 0 && p.k > 0)) throw RuntimeError("GEMM fit: a point with no time");
    t.push_back(p.time_s);
  }
  GemmModel best;
  double best_score = std::numeric_limits<double>::infinity();
  // k_half grid: 0 and 8 .. 2048 in steps of 2^(1/4).
  std::vector<double> grid = {0};
  for (double kh = 8; kh <= 2048; kh *= std::pow(2.0, 0.25)) grid.push_back(kh);
  for (double kh : grid) {
    // t = (F/w)(1 + kh/k) · (1/R) + c
    std::vector<std::vector<double>> X;
    for (const auto& p : points) {
      const double F = 2 * p.m * p.n * p.k / p.wave_efficiency;
      X.push_back({F * (1 + kh / p.k), 1.0});
    }
    std::vector<double> q = NonNegativeFit(X, t, {true, true}, {1});
    if (q.empty() || q[0] <= 0) continue;
    GemmModel g;
    g.rate = 1 / q[0];
    g.k_half = kh;
    g.overhead_s = q[1];
    double score = 0;
    std::vector<double> pred;
    for (const auto& p : points) {
      pred.push_back(g.Predict(p.m, p.n, p.k, p.wave_efficiency));
      const double e = (pred.back() - p.time_s) / p.time_s;
      score += e * e;
    }
    if (score < best_score) {
      best_score = score;
      g.error = RelativeErrors(pred, t);
      best = g;
    }
  }
  if (!(best.rate > 0)) throw RuntimeError("GEMM fit: no model with a positive rate fits these times");
  return best;
}

}  // namespace cb::calib
