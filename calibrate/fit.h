// Least-squares fits of the simulator's performance models to measurements.
//
// Every fit minimises the *relative* error, Σ_i ((t̂_i − t_i)/t_i)², because
// measurements span decades (8 B to 1 GiB messages, 256³ to 16K³ GEMMs) and a
// prediction is judged by how many percent it is off, not by seconds. With
// weights w_i = 1/t_i² a model linear in its parameters stays a weighted
// linear least-squares problem (normal equations, solved directly).
//
// Collective (Hockney's alpha-beta model; nccl-tests' bus bandwidth):
//   t = α + x / B,    x = S · f_op(n)   (f: the bus factor, busbw / algbw)
// so B is the bus bandwidth and α the latency at the measured rank count.
// GEMM (the roofline of simulator/compute/gpu_perf.h, fitted):
//   t = F / (R · w) · (1 + k_half / k) + c,    F = 2mnk
// linear in (1/R, k_half/R, c) for a fixed k_half; k_half is searched on a
// grid (a GEMM's depth at half speed is a few tens to a few hundred) and the
// best fit kept. Negative parameters have no physical meaning: a fit that
// wants one drops that term (α = 0, c = 0 or k_half = 0) and refits.
#ifndef CLUSTERBENCH_CALIBRATE_FIT_H_
#define CLUSTERBENCH_CALIBRATE_FIT_H_

#include <vector>

namespace cb::calib {

struct FitError {
  double median = 0, max = 0;  // |t̂ − t| / t over the fitted points
};

struct AlphaBeta {
  double alpha_s = 0, bandwidth = 0;
  FitError error;
};
// Points (x_i, t_i), x in bytes (already times the bus factor), t in s, t > 0.
// Needs at least one point; one point (or sizes all alike) gives α = 0.
AlphaBeta FitAlphaBeta(const std::vector<double>& x, const std::vector<double>& t);

// Piecewise alpha-beta: MPI and NCCL switch protocols with the size (eager
// and rendezvous, LL / LL128 / Simple), so one (α, B) rarely fits 8 B to
// 1 GiB. As SimGrid's SMPI calibration does (piecewise latency and bandwidth
// factors by message size; Bedaride et al., PMBS 2013), the sorted sizes are
// cut into at most `max_segments` contiguous segments of at least three sizes
// (two would fit exactly and hide the model's error), each with its own
// (α, B), choosing for each number of segments the cuts that minimise the
// total squared relative error (dynamic programming over the cut points),
// and among those the number with the lowest Akaike information criterion,
// n·ln(SSE/n) + 2·(3k − 1): more segments only when they fit much better.
struct Segment {
  double min_x = 0, max_x = 0;  // range of x covered (bus-factor bytes)
  AlphaBeta fit;
};
struct Piecewise {
  std::vector<Segment> segments;  // by increasing size
  FitError error;
  // The segment for x: the one containing it; between two segments the
  // upper one; beyond the last, the last.
  const Segment& For(double x) const;
  double Predict(double x) const;
};
Piecewise FitPiecewise(const std::vector<double>& x, const std::vector<double>& t, int max_segments = 3);

struct GemmPoint {
  double m = 0, n = 0, k = 0, time_s = 0;
  double wave_efficiency = 1;  // w, from the device's SMs and tiles (1 on a CPU)
};
struct GemmModel {
  double rate = 0, k_half = 0, overhead_s = 0;
  FitError error;
  double Predict(double m, double n, double k, double wave_efficiency = 1) const;
};
GemmModel FitGemm(const std::vector<GemmPoint>& points);

FitError RelativeErrors(const std::vector<double>& predicted, const std::vector<double>& measured);

}  // namespace cb::calib

#endif  // CLUSTERBENCH_CALIBRATE_FIT_H_
