// What a `clusterbench kernels` run measured, row by row, and how it is kept:
// its tables (columns from kernels/result_tables.h), from which the HDF5 file,
// the `--format json` document and the terminal are all derived, and the
// encoding a rank sends its outcome to rank 0 in.
//
// Each row says where it was measured (MeasuredOn): the host, or one GPU and
// its datasheet, by which rank on which host. The datasheet gives the peaks
// that pct_of_peak divides by (kernels/gpu_spec.h).
#ifndef CLUSTERBENCH_KERNELS_KERNELS_RESULTS_H_
#define CLUSTERBENCH_KERNELS_KERNELS_RESULTS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/enum_names.h"
#include "core/table.h"
#include "kernels/gpu_bench.h"
#include "kernels/gpu_spec.h"
#include "kernels/harness.h"

namespace cb {

// Where a result was measured: the host, or one GPU and its datasheet, and
// by which rank on which host (rank 0 without a launcher).
struct MeasuredOn {
  int rank = 0;
  std::string host;
  std::string device = "host";  // "host" or the GPU's name
  int gpu = -1;
  std::string uuid, pci_bus_id, serial;
  std::optional<GpuDatasheet> spec;
};

struct GemmRow {
  MeasuredOn at;
  GpuGemmResult r;
  int64_t threads = 0;
};
struct StreamRow {
  MeasuredOn at;
  StreamKernel kernel = StreamKernel::kCopy;
  int64_t array_bytes = 0, bytes = 0, threads = 0;
  Measurement m;
  double bandwidth = 0;
  int64_t wrong = 0;
};
struct PeakRow {
  MeasuredOn at;
  GpuPeakResult r;
};
struct CopyRow {
  MeasuredOn at;
  GpuCopyResult r;
};
struct DeviceRow {
  MeasuredOn at;
  GpuIdentity id;
  GpuConditions before, after;
  std::string spec_note;
};

struct KernelsResults {
  std::vector<GemmRow> gemm;
  std::vector<StreamRow> stream;
  std::vector<PeakRow> peak;
  std::vector<CopyRow> copy;
  std::vector<DeviceRow> devices;
  int64_t wrong() const {
    int64_t w = 0;
    for (const auto& g : gemm) w += g.r.wrong;
    for (const auto& s : stream) w += s.wrong;
    for (const auto& p : peak) w += p.r.wrong;
    for (const auto& c : copy) w += c.r.wrong;
    return w;
  }
};

// `kernels --device`: a GPU through the CUDA backend, the host, or auto (a GPU
// when one answers); the flag's names, parsed once where a rank reads it
// (kernels/kernels_run.h MeasureRank), and where a rank ran (cuda or host).
enum class KernelsDevice { kAuto, kCuda, kHost };
inline constexpr EnumName<KernelsDevice> kKernelsDeviceNames[] = {
    {"auto", KernelsDevice::kAuto}, {"cuda", KernelsDevice::kCuda}, {"host", KernelsDevice::kHost}};

// What one rank sends to rank 0.
struct KernelsOutcome {
  KernelsResults res;
  KernelsDevice device = KernelsDevice::kHost;  // where it ran: cuda or host
  bool stream_planned = false;                  // host runs write an empty stream table even when interrupted
  bool interrupted = false;
  int code = 0;  // an error's exit code; 0 when it measured
  std::string error;
};

// Under mpirun every rank measures its own device and sends its results to
// rank 0 (collectives/gather_text.h) as CBOR, which keeps NaN and infinity (a
// GEMM with a NaN output has an infinite error ratio, exactly the row that
// must arrive) and takes any bytes in host names and messages. The raw
// samples stay on the rank: rank 0 prints and stores summaries only, and a
// thousand samples per figure times thousands of ranks would not fit on it.
// The datasheet is not sent: rank 0 looks it up again from the device name.
// Encode throws what nlohmann::json throws; Decode throws
// nlohmann::json::exception for bytes it cannot read.
std::string EncodeOutcome(const KernelsOutcome& outcome);
KernelsOutcome DecodeOutcome(const std::string& bytes);

// ------------------------------------------------------------ spec figures
// The datasheet's peak a row is compared with; 0 when unknown.
double GemmPeak(const MeasuredOn& at, GemmDtype dtype);
double ArithmeticPeak(const MeasuredOn& at, const GpuPeakResult& r);
double MemoryPeak(const MeasuredOn& at);
double CopyPeak(const MeasuredOn& at, const GpuCopyResult& r);

// ------------------------------------------------------------ tables
Table GemmTable(const std::vector<GemmRow>& rows);       // "gemm"
Table StreamTable(const std::vector<StreamRow>& rows);   // "memory"
Table PeakTable(const std::vector<PeakRow>& rows);       // "peak"
Table CopyTable(const std::vector<CopyRow>& rows);       // "copy"
Table DevicesTable(const std::vector<DeviceRow>& rows);  // "devices"

// The run's tables, built once: what `-o` stores, `--format json` prints
// (core/table_export.h ResultsJson) and the terminal shows
// (kernels/kernels_report.h), in the order gemm, memory, peak, copy, devices.
// A kind with no rows is left out, except memory when `memory_planned` (a host
// run keeps its STREAM table even when interrupted before the first kernel).
std::vector<Table> ResultTables(const KernelsResults& res, bool memory_planned);

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_KERNELS_RESULTS_H_
