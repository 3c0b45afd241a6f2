#include "simulator/compute/gpu_perf.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace cb::sim {

Precision ParsePrecision(const std::string& s) {
  if (s == "bf16") return Precision::kBf16;
  if (s == "fp16") return Precision::kFp16;
  if (s == "fp8") return Precision::kFp8;
  if (s == "nvfp4") return Precision::kNvfp4;
  if (s == "tf32") return Precision::kTf32;
  if (s == "fp32") return Precision::kFp32;
  if (s == "fp64") return Precision::kFp64;
  throw ConfigError(fmt::format("unknown precision '{}' (valid: bf16, fp16, fp8, nvfp4, tf32, fp32, fp64)", s));
}

const char* PrecisionName(Precision p) {
  switch (p) {
    case Precision::kBf16:
      return "bf16";
    case Precision::kFp16:
      return "fp16";
    case Precision::kFp8:
      return "fp8";
    case Precision::kNvfp4:
      return "nvfp4";
    case Precision::kTf32:
      return "tf32";
    case Precision::kFp32:
      return "fp32";
    case Precision::kFp64:
      return "fp64";
  }
  return "?";
}

double BytesPerElement(Precision p) {
  switch (p) {
    case Precision::kNvfp4:
      return 0.5 + 1.0 / 16;
    case Precision::kFp8:
      return 1;
    case Precision::kBf16:
    case Precision::kFp16:
      return 2;
    case Precision::kFp64:
      return 8;
    default:
      return 4;
  }
}

bool IsQuantized(Precision p) { return p == Precision::kFp8 || p == Precision::kNvfp4; }

Efficiencies DefaultEfficiencies(const std::string& arch) {
  Efficiencies e;
  if (arch == "ampere") {
    // A100: cuBLAS reaches ~260-280 of 312 TFLOP/s on large bf16 GEMMs;
    // NCCL all-reduce bus bandwidth ~230 of 300 GB/s per direction.
    e.gemm_bf16 = 0.78;
    e.gemm_fp8 = 0;  // no fp8
    e.attention = 0.55;
    e.tile_m = 128;
    e.tile_n = 128;
    e.scale_up = 0.78;
  } else if (arch == "hopper") {
    // H100/H200: ~750-800 of 989 TFLOP/s bf16 (../shared/specs: 788 measured
    // on H200 at 8192^3); fp8 ~1250-1400 of 1979; NCCL ring bus bandwidth
    // ~370 of 450 GB/s per direction.
    e.gemm_bf16 = 0.70;
    e.gemm_fp8 = 0.52;
    e.attention = 0.38;  // causal fused attention (cuDNN through Transformer Engine), forward and backward
    // FlashAttention-2 on H100 SXM5, causal, head dim 128, 8K-16K tokens:
    // 333-335 TFLOP/s forward, 318-322 backward (Shah et al., FlashAttention-3,
    // arXiv:2407.08608, Figures 5 and 6). The backward does 2.5x the forward's
    // FLOPs, so a training step's attention runs at 3.5 / (1/335 + 2.5/322)
    // = 325.6 TFLOP/s = 0.329 of the 989 TFLOP/s peak. PyTorch's default SDPA
    // path on H100 measured 329 TFLOP/s forward where cuDNN's ran 631
    // (pytorch/pytorch#142132, 2.6 nightly, 1 x 24 heads x 4,608 x 128).
    e.attention_fa2 = 0.329;
    // Head dim 64 against 128 at 4K tokens, backward (2.5x the
    // forward's FLOPs): cuDNN 417 vs 499 and FlashAttention-3 453 vs 542
    // TFLOP/s on H100 (FA3 paper, arXiv:2407.08608, Figure 6), both 0.836.
    e.attention_hd64 = 0.836;
    // Longer sequences: cuDNN 9.19's causal training attention (forward + backward, bf16, head dim
    // 128, b = 1, 64 query and 8 KV heads) on H200 took 6.791, 25.533 and 101.254 ms at 8K, 16K and
    // 32K tokens (NVIDIA/cudnn-frontend benchmark/sdpa_benchmark_training/results/h200_919_only_cudnn/
    // llama3.1_20260227_034703.csv): FLOPs grow as s², so the rate is 1.064x and 1.073x the 8K one.
    // Held past 32K, an upper bound: no longer Hopper measurement, and Blackwell's falls 3-5% there.
    e.attention_by_seq = {{8192, 1.0}, {16384, 1.064}, {32768, 1.073}};
    e.scale_up = 0.82;
    // nccl-tests alltoall_perf on H100, 4 ranks, 500 MiB, NCCL 2.30.4: 334.90 GB/s
    // bus bandwidth, 0.744 of 450 (NVIDIA/nccl#2169), against ring all-reduce's
    // 365-370 (NVIDIA/nccl#1455).
    e.scale_up_alltoall = 0.744;
  } else if (arch == "blackwell") {
    e.gemm_bf16 = 0.75;
    e.gemm_fp8 = 0.68;
    e.attention = 0.5;
    // Head dim 64 against 128: FlashAttention-4 forward, causal, 4K tokens,
    // 708-713 vs 1062-1114 TFLOP/s on B200 (Dao-AILab/flash-attention PR
    // #2605): 0.65. cuDNN's GB200 files put 64 lower still (0.43-0.55, but
    // measured with a 1K sliding window against full causal attention;
    // docs/evidence/gpt-oss-perf.md), so 0.65 is the milder reading.
    e.attention_hd64 = 0.65;
    // Longer sequences, as Hopper's: cuDNN 9.19 on GB200 took 2.785, 10.451 and 40.089 ms at 8K, 16K
    // and 32K (same benchmark, results/gb200_919_only_cudnn/llama3.1_20260226_174648.csv): 1.066x and
    // 1.112x the 8K rate; GB300's file (gb300_919_only_cudnn/llama3.1_20260226_185510.csv, 2.568,
    // 9.615, 37.124 ms) gives 1.068x and 1.106x. Past 32K the only measurement, cuDNN 9.13 on B200 (b = 1,
    // 128 heads; artifacts/sdpa_bf16_benchmark_results_NVIDIA_B200.csv: 104.133, 429.701 and 1758.45 ms at
    // 32K, 64K and 128K), runs 0.969x and 0.947x its 32K rate: 1.078x and 1.054x, held beyond.
    e.attention_by_seq = {{8192, 1.0}, {16384, 1.066}, {32768, 1.112}, {65536, 1.078}, {131072, 1.054}};
    // NVLink5: ring all-reduce (NCCL_ALGO=Ring) over a GB200 tray's 4 GPUs,
    // 8 GB, NCCL 2.25.1: 679.61 GB/s bus bandwidth, 0.755 of 900 (Azure
    // AI-benchmarking-guide, ND_GB200_v6_results.md); no NVLink5 ring reaching
    // Hopper's 0.82 was found. All-to-all: 675.55 GB/s on 8 B300 at 8 GiB (NCCL
    // 2.28.9) and 685.06 / 666.92 on 8 / 64 GPUs of a GB300 NVL72 at 16 GiB
    // (NCCL 2.28.7), 0.74-0.76 (Oracle OCI GPU quick-start documents;
    // docs/evidence/alltoall-bandwidth.md).
    e.scale_up = 0.755;
    e.scale_up_alltoall = 0.75;
  }
  return e;
}

double PowerCapFactor(const GpuSpec& gpu) {
  if (gpu.power_limit_w <= 0 || gpu.tdp_w <= 0 || gpu.power_limit_w >= gpu.tdp_w) return 1;
  return std::pow(gpu.power_limit_w / gpu.tdp_w, 0.88);
}

Efficiencies EfficienciesFor(const GpuSpec& gpu) {
  Efficiencies e = DefaultEfficiencies(gpu.architecture);
  if (gpu.eff_gemm_bf16 > 0) e.gemm_bf16 = gpu.eff_gemm_bf16;
  if (gpu.eff_gemm_fp8 > 0) e.gemm_fp8 = gpu.eff_gemm_fp8;
  if (gpu.eff_gemm_fp4 > 0) e.gemm_fp4 = gpu.eff_gemm_fp4;
  if (gpu.eff_attention > 0) e.attention = gpu.eff_attention;
  if (gpu.eff_scale_up > 0) e.scale_up = gpu.eff_scale_up;
  if (gpu.eff_scale_up_alltoall > 0) e.scale_up_alltoall = gpu.eff_scale_up_alltoall;
  const double cap = PowerCapFactor(gpu);
  e.gemm_bf16 *= cap;
  e.gemm_fp8 *= cap;
  e.gemm_fp4 *= cap;
  e.attention *= cap;
  e.attention_fa2 *= cap;
  return e;
}

GpuSpec GpuFromConfig(const ConfigNode& gpu) {
  GpuSpec g;
  g.name = gpu.at("name").AsString();
  g.architecture = gpu.GetString("architecture", "other");
  g.peak_bf16 = gpu.GetDouble("peak.bf16", 0);
  g.peak_fp16 = gpu.GetDouble("peak.fp16", g.peak_bf16);
  g.peak_fp8 = gpu.GetDouble("peak.fp8", 0);
  g.peak_fp4 = gpu.GetDouble("peak.fp4", 0);
  g.peak_tf32 = gpu.GetDouble("peak.tf32", 0);
  g.peak_fp32 = gpu.GetDouble("peak.fp32", 0);
  g.peak_fp64 = gpu.GetDouble("peak.fp64_tensor", gpu.GetDouble("peak.fp64", 0));
  g.memory_bytes = gpu.at("memory").AsDouble();
  g.memory_bandwidth = gpu.at("memory_bandwidth").AsDouble();
  g.host_bandwidth = gpu.GetDouble("host_bandwidth", 0);
  g.host_call_s = gpu.GetDouble("host_call", g.host_call_s);
  g.tdp_w = gpu.GetDouble("tdp", 0);
  g.power_limit_w = gpu.GetDouble("power_limit", 0);
  g.eff_gemm_bf16 = gpu.GetDouble("efficiency.gemm_bf16", 0);
  g.eff_gemm_fp8 = gpu.GetDouble("efficiency.gemm_fp8", 0);
  g.eff_gemm_fp4 = gpu.GetDouble("efficiency.gemm_fp4", 0);
  g.eff_attention = gpu.GetDouble("efficiency.attention", 0);
  g.eff_scale_up = gpu.GetDouble("efficiency.scale_up", 0);
  g.eff_scale_up_alltoall = gpu.GetDouble("efficiency.scale_up_alltoall", 0);
  g.sm_count = static_cast<int>(gpu.GetInt("sm_count", 132));
  return g;
}

GpuSpec GpuOfCluster(const ConfigNode& cluster) {
  GpuSpec g = GpuFromConfig(cluster.at("gpu"));
  g.power_limit_w = cluster.GetDouble("gpu_power_limit", g.power_limit_w);
  return g;
}

double GpuPerf::Peak(Precision p) const {
  switch (p) {
    case Precision::kBf16:
      return spec_.peak_bf16;
    case Precision::kFp16:
      return spec_.peak_fp16;
    case Precision::kFp8:
      return spec_.peak_fp8;
    case Precision::kNvfp4:
      return spec_.peak_fp4;
    case Precision::kTf32:
      return spec_.peak_tf32;
    case Precision::kFp32:
      return spec_.peak_fp32;
    case Precision::kFp64:
      return spec_.peak_fp64;
  }
  return 0;
}

double GpuPerf::WaveEfficiency(double m, double n, double* waves) const {
  if (spec_.sm_count <= 0) {
    if (waves) *waves = 0;
    return 1;
  }
  const double tiles = std::ceil(m / eff_.tile_m) * std::ceil(n / eff_.tile_n);
  const double sms = spec_.sm_count;
  const double w = std::ceil(tiles / sms);
  if (waves) *waves = w;
  return tiles / (w * sms);
}

double GpuPerf::GemmTime(double m, double n, double k, Precision p) const {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  double waves = 0;
  const double wave_eff = WaveEfficiency(m, n, &waves);
  double bytes = BytesPerElement(p) * (m * k + k * n) + 2 * m * n;  // output in bf16
  double memory = bytes / (spec_.memory_bandwidth * eff_.memory);
  if (auto fit = eff_.gemm_fits.find(PrecisionName(p)); fit != eff_.gemm_fits.end()) {
    const GemmFit& g = fit->second;
    const double compute = 2 * m * n * k / (g.rate * wave_eff * k / (k + g.k_half));
    return std::max(compute, memory) + g.overhead_s;
  }
  const double eff = p == Precision::kFp8 ? eff_.gemm_fp8 : p == Precision::kNvfp4 ? eff_.gemm_fp4 : eff_.gemm_bf16;
  double depth_eff = k / (k + eff_.k_half);
  double compute = 2 * m * n * k / (Peak(p) * eff * wave_eff * depth_eff);
  // Each wave of tiles pays its prologue (first k-blocks in flight) and
  // epilogue (output written back) outside the steady main loop.
  return std::max(compute + waves * eff_.wave_s, memory) + eff_.launch_s;
}

double GpuPerf::AttentionLengthGain(double seq) const {
  const auto& c = eff_.attention_by_seq;
  if (c.empty() || seq <= eff_.attention_seq_ref) return 1;
  // Between measured lengths the rate moves with log(s), as the benchmark's doubling steps do; past the last
  // nothing was measured, so it is held.
  auto rate = [&c](double x) {
    if (x <= c.front().first) return c.front().second;
    for (size_t i = 1; i < c.size(); ++i) {
      if (x <= c[i].first) {
        const double f = std::log(x / c[i - 1].first) / std::log(c[i].first / c[i - 1].first);
        return c[i - 1].second + f * (c[i].second - c[i - 1].second);
      }
    }
    return c.back().second;
  };
  return rate(seq) / rate(eff_.attention_seq_ref);
}

double GpuPerf::AttentionTime(double flops, AttentionKernel kernel, double head_dim, double seq) const {
  if (flops <= 0) return 0;
  // The length curve is cuDNN's: FlashAttention-2's rate (taken at 8K-16K, or the fused one where FA2
  // was not measured) stays as it is.
  const double e = kernel == AttentionKernel::kFa2 ? (eff_.attention_fa2 > 0 ? eff_.attention_fa2 : eff_.attention)
                                                   : eff_.attention * AttentionLengthGain(seq);
  // Narrow heads: fewer tensor-core FLOPs per softmax element (the exponentials
  // stay per score), measured at head dim 64 and interpolated up to 128.
  const double narrow = std::clamp((128 - head_dim) / 64, 0.0, 1.0);
  const double hd = 1 - narrow * (1 - eff_.attention_hd64);
  // The 16-bit tensor rate: bf16's, or fp16's on a GPU without bf16 (V100).
  const double peak = spec_.peak_bf16 > 0 ? spec_.peak_bf16 : spec_.peak_fp16;
  return flops / (peak * e * hd) + eff_.launch_s;
}

AttentionKernel ParseAttentionKernel(const std::string& s) {
  if (s == "fused") return AttentionKernel::kFused;
  if (s == "fa2") return AttentionKernel::kFa2;
  throw ConfigError(fmt::format("attention kernel '{}': expected fused or fa2", s));
}

double GpuPerf::MemoryTime(double bytes, int kernels) const {
  if (bytes <= 0) return 0;
  return bytes / (spec_.memory_bandwidth * eff_.memory) + kernels * eff_.launch_s;
}

}  // namespace cb::sim
