// What a node is: host CPU and memory, GPUs, and library versions. Filled by
// core (host part) and by each enabled backend (GPUs, NCCL, MPI versions).
#ifndef CLUSTERBENCH_CORE_NODE_INFO_H_
#define CLUSTERBENCH_CORE_NODE_INFO_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cb {

struct GpuInfo {
  int index = 0;
  std::string name;
  std::string uuid;        // as nvidia-smi prints it: "GPU-" and 32 hex digits in 8-4-4-4-12 groups
  std::string pci_bus_id;  // "0000:18:00.0"
  std::string serial;      // from NVML where the board reports it
  std::string vbios;       // VBIOS version from NVML (nvidia-smi's "VBIOS Version"), empty when unknown
  int compute_capability_major = 0, compute_capability_minor = 0;
  int sm_count = 0;
  int64_t memory_bytes = 0;
  int64_t l2_cache_bytes = 0;
  double sm_clock_max_hz = 0;      // maximum SM clock
  double memory_clock_max_hz = 0;  // maximum memory clock
  double sm_clock_hz = 0;          // current (NVML), 0 when unknown
  double temperature_c = -1;       // NVML, -1 when unknown
  double power_w = -1;             // NVML, -1 when unknown
  double power_limit_w = -1;       // NVML, -1 when unknown
};

struct NodeInfo {
  std::string hostname;
  std::string os;  // PRETTY_NAME from /etc/os-release
  std::string kernel;
  std::string cpu_model;
  int cpu_sockets = 0;
  int cpu_cores = 0;    // physical cores
  int cpu_threads = 0;  // logical CPUs online
  int64_t memory_bytes = 0;
  std::vector<GpuInfo> gpus;
  std::string gpu_note;  // why there are no GPUs ("CUDA backend not built", "no CUDA driver", ...)
  // Library and driver versions: "driver", "cuda_driver", "cuda_runtime",
  // "nccl", "mpi", "hdf5", ... Missing keys mean "not available".
  std::map<std::string, std::string> versions;
};

// Host part: /proc/cpuinfo, /proc/meminfo, uname, /etc/os-release.
NodeInfo CollectHostInfo();

// This machine's host name (gethostname), or "unknown-host" when it has none:
// the one owner of the rule (run ids, rank infos, temp-file names, reports).
std::string HostName();

nlohmann::json NodeInfoToJson(const NodeInfo& info);
// The inverse of NodeInfoToJson (missing keys keep their defaults): how a
// rank's inventory travels to rank 0 (validate's evidence).
NodeInfo NodeInfoFromJson(const nlohmann::json& j);
std::string FormatNodeInfo(const NodeInfo& info);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_NODE_INFO_H_
