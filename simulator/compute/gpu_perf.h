// Time of one operation on one GPU, from the GPU's spec and efficiencies.
//
// GEMM (m x k) * (k x n), FLOPs = 2mnk. Time is the larger of the
// compute-bound and the memory-bound time, plus a launch overhead:
//   t = max(2mnk / (P · e_max · w · k/(k + k_half)) + waves · t_wave,  bytes / (B_mem · e_mem)) + t_launch
// with P the dense peak for the precision, e_max the largest fraction of
// peak a library GEMM reaches on this architecture, w the wave-quantisation
// efficiency (output tiles spread over the SMs: tiles / (waves · SMs)),
// k_half the depth at which the main loop's prologue/epilogue cost half
// the time (small-k GEMMs are slow), bytes = e·(mk + kn + mn).
// Core attention with a fused (flash) kernel runs at e_attn of the peak
// (e_attn_fa2 where the framework runs FlashAttention-2: below);
// memory-bound operations (norms, activations, residuals, optimizer) move
// their bytes at B_mem · e_mem. Sources: the roofline model (Williams et al.,
// CACM 2009); wave quantisation as in NVIDIA's "Matrix Multiplication
// Background" guide. Efficiencies are per-architecture defaults
// (docs/simulator-model.md), never tuned per validation row; a calibration
// profile replaces them with measured values.
#ifndef CLUSTERBENCH_SIMULATOR_COMPUTE_GPU_PERF_H_
#define CLUSTERBENCH_SIMULATOR_COMPUTE_GPU_PERF_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"

namespace cb::sim {

// kNvfp4: NVIDIA's 4-bit block format (E2M1 values, one E4M3 scale per 16
// elements and an fp32 scale per tensor), as Transformer Engine's
// NVFP4BlockScaling recipe trains with it on Blackwell.
enum class Precision { kBf16, kFp16, kFp8, kNvfp4, kTf32, kFp32, kFp64 };

// Which fused-attention kernel the framework calls (scenario key
// framework.attention_kernel). `fused`: the architecture's default, the
// kernels Megatron-Core and NeMo call through Transformer Engine (cuDNN's
// fused attention on Hopper and Blackwell). `fa2`: FlashAttention-2 (the
// flash-attn package, and PyTorch's scaled_dot_product_attention on Hopper
// from 2.5.1, where cuDNN attention became opt-in, until late 2025), which
// does not use Hopper's wgmma/TMA and runs well below cuDNN there
// (Efficiencies::attention_fa2).
enum class AttentionKernel { kFused, kFa2 };
// "fused" or "fa2"; anything else throws ConfigError naming the valid names.
AttentionKernel ParseAttentionKernel(const std::string& s);
// "bf16", "fp16", "fp8", "nvfp4", "tf32", "fp32", "fp64"; anything else throws
// ConfigError naming the valid names.
Precision ParsePrecision(const std::string& s);
const char* PrecisionName(Precision p);  // "bf16", ..., as ParsePrecision reads them
// Bytes one element occupies, its block scales included (nvfp4: half a byte
// and 1/16 of an E4M3 scale byte, 0.5625).
double BytesPerElement(Precision p);
// Training whose GEMMs quantize their operands (fp8 or nvfp4) through
// Transformer Engine's recipes, as opposed to computing in 16 bits.
bool IsQuantized(Precision p);

// A GEMM model fitted to measurements (calibrate/): asymptotic rate R, depth
// at half speed k_half and a fixed cost per call, so that
//   t = 2mnk / (R · w · k/(k + k_half)) + overhead
// with w the wave-quantisation efficiency (1 where the device has no SMs).
struct GemmFit {
  double rate = 0, k_half = 0, overhead_s = 0;
};

struct Efficiencies {
  double gemm_bf16 = 0.75;  // e_max for bf16/fp16 GEMMs
  double gemm_fp8 = 0.6;    // e_max for fp8 GEMMs
  double gemm_fp4 = 0;      // e_max for nvfp4 GEMMs (0: no measured figure for the architecture)
  double attention = 0.45;  // fused attention, fraction of bf16 peak
  // FlashAttention-2 where it differs from `attention` (0: the same kernel
  // class, as on Ampere where FA2 is the fused attention).
  double attention_fa2 = 0;
  // Fused attention at head dim 64 relative to head dim 128 (same kernel,
  // mask and length); linear in between, 1 from 128 up (no faster rate at
  // wider heads is taken).
  double attention_hd64 = 1;
  // Fused attention's rate against the kernel's sequence (the local query length, s/cp), relative to its
  // rate at attention_seq_ref: (sequence, rate) points, measured; held flat past the last. At or below
  // the reference the effective `attention` holds unchanged (empty: no change at any length).
  std::vector<std::pair<double, double>> attention_by_seq;
  double attention_seq_ref = 8192;
  double memory = 0.85;  // e_mem
  double k_half = 64;    // GEMM depth at half efficiency
  int tile_m = 128, tile_n = 256;
  double wave_s = 2.5e-6;  // per wave of output tiles: prologue and epilogue
  double launch_s = 8e-6;  // per kernel: launch, prologue/epilogue and tail
  double scale_up = 0.8;   // achievable / nominal scale-up bandwidth (NCCL bus bandwidth)
  // NCCL all-to-all's bus bandwidth inside a scale-up domain over the nominal
  // (0: scale_up's): its peer-to-peer pattern reaches less than a ring.
  double scale_up_alltoall = 0;
  double scale_out = 0.92;  // achievable / nominal NIC bandwidth
  // Measured GEMM models by precision name (calibration profile): used in
  // place of peak x gemm efficiency where present.
  std::map<std::string, GemmFit> gemm_fits;
};

// Defaults for an architecture (gpu config key `architecture`).
Efficiencies DefaultEfficiencies(const std::string& architecture);

struct GpuSpec {
  std::string name, architecture;
  double peak_bf16 = 0, peak_fp16 = 0, peak_fp8 = 0, peak_fp4 = 0, peak_tf32 = 0, peak_fp32 = 0, peak_fp64 = 0;
  double memory_bytes = 0, memory_bandwidth = 0;
  double host_bandwidth = 0;  // host <-> device per GPU, one direction; 0 = not given
  // CPU time to issue one kernel, GEMM or collective from eager PyTorch (workload/host_launch.h): a DGX
  // H100's Xeon 8480C, 13.48 us per torch Linear forward (TransformerEngine issue #2053).
  double host_call_s = 13.48e-6;
  double tdp_w = 0;
  double power_limit_w = 0;  // 0: runs at its TDP
  int sm_count = 0;          // 0: no wave quantisation (a CPU)
  // Measured efficiencies of this GPU (gpu config `efficiency.*`); 0 = the
  // architecture's default.
  double eff_gemm_bf16 = 0, eff_gemm_fp8 = 0, eff_gemm_fp4 = 0, eff_attention = 0;
  double eff_scale_up = 0, eff_scale_up_alltoall = 0;  // measured collective bus bandwidth fractions
};

// Efficiencies for a GPU: the architecture's defaults, replaced by the GPU
// config's measured `efficiency.*` where given, and scaled by its power cap:
// compute-bound rates scale as (P_cap / TDP)^0.88. The exponent is the one
// measured pair we have: an H100 capped at 500 W ran a bf16 8192³ GEMM at
// 585.2 TFLOP/s (pytorch/FBGEMM PR #2546) where the same die at 700 W runs it
// at 788 TFLOP/s (H200 measurement, ../shared/specs/accelerators.md; the
// H100 and H200 share the compute die): ln(585.2/788)/ln(500/700) = 0.88.
Efficiencies EfficienciesFor(const GpuSpec& gpu);
double PowerCapFactor(const GpuSpec& gpu);
GpuSpec GpuFromConfig(const ConfigNode& gpu);
// A cluster's GPU: its `gpu` config with the cluster's `gpu_power_limit` where the buildout caps its GPUs (a
// site's power budget belongs to the site, not to the part).
GpuSpec GpuOfCluster(const ConfigNode& cluster);

class GpuPerf {
 public:
  GpuPerf(GpuSpec spec, Efficiencies eff) : spec_(std::move(spec)), eff_(eff) {}
  const GpuSpec& spec() const { return spec_; }
  const Efficiencies& eff() const { return eff_; }

  double Peak(Precision p) const;
  // Seconds for a GEMM of this shape; m, n, k may be fractional averages.
  double GemmTime(double m, double n, double k, Precision p) const;
  // Output tiles spread over the SMs: tiles / (waves · SMs), and the waves.
  double WaveEfficiency(double m, double n, double* waves = nullptr) const;
  // Seconds for fused attention of `flops` executed FLOPs with `kernel` at
  // `head_dim` (the rate falls below head dim 128: attention_hd64) over a
  // query length of `seq` tokens per kernel (the fused kernel gains above
  // attention_seq_ref: attention_by_seq; 0 = at the reference).
  double AttentionTime(double flops, AttentionKernel kernel = AttentionKernel::kFused, double head_dim = 128,
                       double seq = 0) const;
  // The fused kernel's rate at query length `seq` over its rate at the
  // reference length (1 at or below it, and where nothing was measured).
  double AttentionLengthGain(double seq) const;
  // Seconds to move `bytes` through HBM (one or more memory-bound kernels).
  double MemoryTime(double bytes, int kernels = 1) const;

 private:
  GpuSpec spec_;
  Efficiencies eff_;
};

}  // namespace cb::sim

#endif  // CLUSTERBENCH_SIMULATOR_COMPUTE_GPU_PERF_H_
