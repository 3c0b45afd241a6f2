// The GPU benchmark interface: what `clusterbench kernels --device cuda`
// asks of a GPU backend, in plain C++ (no CUDA type appears here), so apps/
// and tests compile the same with or without CUDA.
//
// The CUDA backend (kernels/cuda/cuda_bench.cc) registers a GpuBenchFactory
// under kCudaKernelsFactory in cb::Backends::factories (core/backends.h), a
// key typed with GpuBenchFactory, so every lookup gets that type. docs/kernels.md says what each benchmark measures,
// how it counts bytes and FLOPs, and how each result is checked.
#ifndef CLUSTERBENCH_KERNELS_GPU_BENCH_H_
#define CLUSTERBENCH_KERNELS_GPU_BENCH_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/backends.h"
#include "kernels/gemm_dtype.h"
#include "kernels/harness.h"
#include "kernels/memory_kinds.h"

namespace cb {

// One GEMM D = op(A)·op(B): m x k times k x n. `name` says where the shape
// comes from: "square" or a transformer layer's GEMM ("qkv", "mlp_down", ...).
struct GemmShape {
  std::string name = "square";
  int64_t m = 0, n = 0, k = 0;
  double flops() const { return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k); }
};

// What the driver says a GPU is. Conditions change during a run; identity does not.
struct GpuIdentity {
  int index = 0;
  std::string name;        // "NVIDIA H200"
  std::string uuid;        // "GPU-xxxxxxxx-..."
  std::string pci_bus_id;  // "00000000:18:00.0"
  std::string serial;      // empty when the board does not report it
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  int64_t memory_bytes = 0;
  int64_t l2_cache_bytes = 0;
  double sm_clock_max_hz = 0;
};

struct GpuConditions {
  double sm_clock_hz = 0;     // current SM clock (NVML); 0 when unknown
  double temperature_c = -1;  // -1 when unknown
  double power_w = -1;        // -1 when unknown
  double power_limit_w = -1;  // -1 when unknown
  int64_t free_memory_bytes = 0;
};

// Algorithm search (docs/kernels.md, "Algorithm search"):
//  - "heuristic": time up to `algo_candidates` of cuBLASLt's heuristic list;
//  - "exhaustive": the heuristic's candidates first, then every configuration
//    that cuBLASLt accepts for this matmul (each algorithm id of
//    cublasLtMatmulAlgoGetIds x its tiles, stages, split-K and reduction
//    schemes, CTA swizzles, custom options and, on compute capability 9.0 and
//    newer, cluster shapes; kept when cublasLtMatmulAlgoCheck accepts it with
//    the workspace), each screened with one sample and timed like a heuristic
//    candidate when within 5% of the best so far. At most
//    `exhaustive_max_configs` are timed and the whole search stops after
//    `exhaustive_time_cap_s`; the result says so when a cap cut it short.
enum class GemmSearch { kHeuristic, kExhaustive };
const char* GemmSearchName(GemmSearch s);                         // "heuristic", "exhaustive"
std::optional<GemmSearch> FindGemmSearch(std::string_view name);  // nullopt for none
std::string GemmSearchNames();                                    // "heuristic, exhaustive": for an error

struct GpuGemmOptions {
  int algo_candidates = 16;          // cuBLASLt heuristic candidates to time
  double candidate_budget_s = 0.05;  // time allowed per candidate in the search
  int64_t workspace_bytes = int64_t{64} << 20;
  GemmSearch search = GemmSearch::kHeuristic;
  int exhaustive_max_configs = 4096;   // configurations timed, heuristic candidates included
  double exhaustive_time_cap_s = 120;  // wall clock for enumeration (at most a quarter) + timing
  MeasureOptions measure;              // for the best candidate
};

struct GpuGemmResult {
  GemmDtype dtype = GemmDtype::kFp64;
  GemmShape shape;
  std::string skipped;  // why it did not run; empty when it ran
  Measurement measurement;
  double flop_rate = 0;  // 2mnk / median
  // Algorithm search: candidates the heuristic returned, how many ran, which
  // one (0 = the heuristic's first choice) won, and the search's rates.
  // In an exhaustive search `algos_tried` counts every configuration timed
  // (screened at least), heuristic candidates included; `best_algo` is the
  // heuristic's index when a heuristic candidate won, else the winner's place
  // in the list of candidates timed (heuristic candidates first).
  int algos_returned = 0;
  int algos_tried = 0;
  int best_algo = 0;
  double heuristic_flop_rate = 0;    // first choice, in the search
  double best_search_flop_rate = 0;  // winner, in the search
  std::string search;                // how the best was found: heuristic | exhaustive
  std::string best_source;           // heuristic | enumerated: where the winner came from
  // The winner's cuBLASLt configuration: "algo A tile T stages S splitk K
  // reduction R swizzle W custom C cluster L", each cuBLASLt's enum value
  // (cublasLtMatmulTile_t, cublasLtMatmulStages_t, ..., in cublasLt.h).
  std::string best_config;
  int64_t configs_enumerated = 0;  // exhaustive: configurations cublasLtMatmulAlgoCheck accepted (0 for heuristic)
  int64_t configs_checked = 0;     // exhaustive: configurations offered to cublasLtMatmulAlgoCheck
  std::string search_capped;       // empty, or why the exhaustive search stopped early (a cap, with the numbers)
  int64_t checked = 0;             // sampled elements compared with the host reference
  int64_t wrong = 0;               // beyond the tolerance
  double max_error_ratio = 0;      // max |d - ref| / tolerance (< 1 passes)
};

// Peak arithmetic: "fma" (fp32, fp64), "mma" (bf16 tensor cores through
// mma.sync) and "wgmma" (bf16, Hopper warpgroup MMA; compute capability 9.0 only).
struct GpuPeakResult {
  PeakKernel kernel = PeakKernel::kFma;
  GemmDtype dtype = GemmDtype::kFp32;  // fp32 | fp64 | bf16
  std::string skipped;
  Measurement measurement;
  double flops_per_call = 0;
  double flop_rate = 0;           // flops_per_call / median
  double clock_hz = 0;            // SM clock measured inside the kernel (clock64 / globaltimer)
  double flops_per_clock_sm = 0;  // the architecture's rate per SM (0 when unknown)
  double clock_peak = 0;          // SMs x rate x measured clock (0 when the rate is unknown)
  int64_t checked = 0;
  int64_t wrong = 0;
};

// Device memory, STREAM counting: read 1 array, write 1, copy 2, triad 3.
struct GpuMemoryResult {
  StreamKernel kernel = StreamKernel::kRead;  // read | write | copy | triad
  int64_t array_bytes = 0;
  int64_t bytes_moved = 0;
  int64_t threads = 0;  // threads per launch
  Measurement measurement;
  double bandwidth_Bps = 0;
  int64_t checked = 0;
  int64_t wrong = 0;
};

// Copy engines. src/dst are GPU indices, -1 for the host.
struct GpuCopyResult {
  CopyKind kind = CopyKind::kH2dPinned;
  int src = -1, dst = -1;
  std::string link;  // peer: NVLink | PCIe | unknown | host-staged; others: PCIe (host) or local
  std::string skipped;
  int64_t bytes = 0;  // bytes copied per call
  Measurement measurement;
  double bandwidth_Bps = 0;  // bytes / median
  int64_t checked = 0;
  int64_t wrong = 0;
};

class GpuBench {
 public:
  virtual ~GpuBench() = default;
  // GPUs this process sees; 0 with `why` set ("cudaErrorNoDevice ...") when none.
  virtual int DeviceCount(std::string* why) = 0;
  virtual GpuIdentity Identify(int device) = 0;
  virtual GpuConditions Conditions(int device) = 0;
  // One GEMM shape in one precision. Unsupported here (fp8 before compute
  // capability 8.9, not enough memory, no cuBLASLt algorithm) is a result
  // with `skipped` set, never an exception.
  virtual GpuGemmResult Gemm(int device, GemmDtype dtype, const GemmShape& shape, const GpuGemmOptions& options) = 0;
  virtual std::vector<GpuPeakResult> Peak(int device, const MeasureOptions& options) = 0;
  // read, write, copy, triad over arrays of `array_bytes` each. Throws
  // UsageError naming both numbers when three arrays do not fit in free memory.
  virtual std::vector<GpuMemoryResult> Memory(int device, int64_t array_bytes, const MeasureOptions& options) = 0;
  // Host<->device, device<->device on each of `devices`, and peer copies
  // between every ordered pair of them.
  virtual std::vector<GpuCopyResult> Copy(const std::vector<int>& devices, int64_t bytes,
                                          const MeasureOptions& options) = 0;
};

using GpuBenchFactory = std::function<std::unique_ptr<GpuBench>()>;
inline const FactoryKey<GpuBenchFactory> kCudaKernelsFactory{"kernels:cuda"};

// ------------------------------------------------ plain helpers (unit-tested)

// Why `dtype` cannot run on compute capability major.minor; empty when it can
// (tf32, bf16 need 8.0; fp8 e4m3 needs 8.9).
std::string GemmDtypeUnsupportedReason(GemmDtype dtype, int cc_major, int cc_minor);
// The gpu-config `peak.*` key a GEMM precision is compared with (fp64 GEMMs
// run on FP64 tensor cores from compute capability 8.0: fp64_tensor).
std::string PeakKeyForGemm(GemmDtype dtype);

// Arithmetic rate of one SM per clock, FLOP (an FMA counts 2), for the peak
// kernels: fma with fp32|fp64, mma or wgmma with bf16 (dense).
// 0 when this project does not know the architecture. Sources in gpu_bench.cc.
double FlopsPerClockPerSm(PeakKernel kind, GemmDtype dtype, int cc_major, int cc_minor);

// The label of a peer copy's path. `nvml_nvlink`: NVML's P2P status for the
// NVLink capability (0 = OK), or -1 when NVML could not say.
std::string PeerLinkLabel(bool can_access_peer, int nvml_nvlink);

// Tolerance of one GEMM output element computed from the integer-valued
// inputs of GemmInputValue (kernels/cuda/gemm_values.h): the exact result
// `ref` rounded to the output type, plus for fp8 the error of an accumulator
// that keeps fewer bits than fp32, over `sum_abs` = Σ|a_ip·b_pj|. See
// docs/kernels.md, "Verification".
double GemmTolerance(GemmDtype dtype, double ref, double sum_abs);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_GPU_BENCH_H_
