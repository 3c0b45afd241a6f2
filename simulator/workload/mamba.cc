#include "simulator/workload/mamba.h"

namespace cb::sim {

double MambaProjectionParams(const MambaSpec& b, int64_t hidden) {
  const double h = static_cast<double>(hidden);
  return h * static_cast<double>(b.InProjWidth()) + static_cast<double>(b.Inner()) * h;
}

double MambaParams(const MambaSpec& b, int64_t hidden) {
  const double conv = static_cast<double>(b.ConvWidth()) * static_cast<double>(b.conv + 1);
  return MambaProjectionParams(b, hidden) + conv + 3 * static_cast<double>(b.heads) + static_cast<double>(b.Inner());
}

MixerWork MambaMixerWork(const MambaSpec& b, double tokens, int64_t heads, int64_t groups) {
  const double H = static_cast<double>(heads), G = static_cast<double>(groups);
  const double P = static_cast<double>(b.head_dim), N = static_cast<double>(b.state);
  const double Q = static_cast<double>(b.chunk);
  const double d = H * P, S = H * P * N / Q;
  MixerWork w;
  w.fwd_flops = tokens * (2 * Q * N * G + Q * P * H + 4 * N * P * H);
  w.bwd_flops = tokens * (4 * Q * N * G + 2 * Q * P * H + 10 * N * P * H);
  const double fwd = 16 * d + 16 * G * N + 8 * G * Q + 12 * S + 26 * H;
  w.fwd_bytes = tokens * fwd;
  w.bwd_bytes = tokens * (2 * fwd + 2 * d + 2 * G * N + 8 * H + 10 * S);
  return w;
}

}  // namespace cb::sim
