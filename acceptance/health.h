// Passive health checks (`benchmark: health`): what DCGM diag and Azure's
// NHC look at without running anything: the GPU count, uncorrected ECC
// errors and throttle reasons (nvidia-smi), the host's CPUs, memory and
// thermal throttle events, PCIe link width and speed, and network ports'
// state and rate. Everything is read from files under a root directory
// (`sys_root`, "/" by default), so tests run on fixture trees
// (tests/acceptance/fixtures) and a container can read the host's /sys
// mounted elsewhere. XID errors are counted in the kernel log as the
// `kernel_log` command prints it ("NVRM: Xid (PCI:0000:18:00): 79, ...";
// dmesg may need privileges: SKIPPED with the reason when it fails). The
// GPU parts that need the driver go through the
// `nvidia_smi` command; where it is absent they are not measured (SKIPPED
// with the reason), never failed.
//
// Files read (Linux sysfs ABI, Documentation/ABI/testing/sysfs-bus-pci,
// sysfs-class-infiniband, sysfs-class-net):
//   sys/bus/pci/devices/*/{vendor,class,current_link_width,max_link_width,
//                          current_link_speed,max_link_speed}
//   sys/devices/system/cpu/online, sys/devices/system/cpu/cpu*/thermal_throttle/
//                          {core,package}_throttle_count
//   proc/meminfo (MemTotal)
//   sys/class/infiniband/*/ports/*/{state,rate}   ("4: ACTIVE", "400 Gb/sec (4X NDR)")
//   sys/class/net/*/{operstate,speed,device}      (speed in Mb/s; only ports with a device)
#ifndef CLUSTERBENCH_ACCEPTANCE_HEALTH_H_
#define CLUSTERBENCH_ACCEPTANCE_HEALTH_H_

#include <optional>
#include <string>
#include <vector>

#include "acceptance/verdict.h"
#include "core/enum_names.h"

namespace cb {
class ConfigNode;
}

namespace cb::acc {

// The suite's closed sets of the health check, parsed where the suite is read:
// which devices' PCIe links count (`pcie.devices`: NVIDIA GPUs, network
// controllers, all) and which ports count as NICs (`nics.kind`).
enum class PcieDevices { kGpu, kNic, kAll };
inline constexpr EnumName<PcieDevices> kPcieDevicesNames[] = {
    {"gpu", PcieDevices::kGpu}, {"nic", PcieDevices::kNic}, {"all", PcieDevices::kAll}};
enum class NicKind { kInfiniband, kEthernet, kAny };
inline constexpr EnumName<NicKind> kNicKindNames[] = {
    {"infiniband", NicKind::kInfiniband}, {"ethernet", NicKind::kEthernet}, {"any", NicKind::kAny}};

struct HealthSpec {
  std::string root = "/";
  std::string nvidia_smi = "nvidia-smi";
  std::optional<int> expected_gpus;
  std::optional<int64_t> max_ecc_errors;
  std::optional<int64_t> max_xid_errors;  // "NVRM: Xid" lines in the kernel log
  std::string kernel_log = "dmesg";       // the command that prints it
  bool gpu_throttle = false;
  std::optional<int> min_cpus;
  std::optional<double> min_memory;  // bytes
  std::optional<int64_t> max_cpu_throttle_events;
  std::optional<int> pcie_min_width;
  std::optional<double> pcie_min_speed;  // GT/s
  bool pcie_at_max = false;
  PcieDevices pcie_devices = PcieDevices::kGpu;
  std::optional<int> nic_count;
  std::optional<double> nic_min_rate;  // B/s
  NicKind nic_kind = NicKind::kAny;
  double probe_timeout_s = 60;  // nvidia-smi and the kernel-log command

  bool empty() const;
};

// Reads the health keys of a suite check (see core/schemas.cc).
HealthSpec HealthSpecFromConfig(const ConfigNode& check);

// One aspect of a node's health: gpus, gpu-errors, gpu-throttle, host,
// cpu-throttle, pcie, nics.
struct HealthFinding {
  std::string aspect;
  Failure failure = Failure::kNone;  // the class when it fails
  bool ok = true;
  std::string skipped;  // not measured, and why
  std::string plain;    // what was found, in plain words
  std::string details;  // the figures behind it (each device, port, file)
};

// Probes every aspect the spec asks for, on this machine (or under spec.root).
std::vector<HealthFinding> ProbeHealth(const HealthSpec& spec);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_HEALTH_H_
