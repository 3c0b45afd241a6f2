// GPU identity and conditions for `clusterbench info` and result records.
// CUDA runtime for what every driver reports; NVML, loaded at run time with
// dlopen so the binary starts on machines without a driver, for serial,
// current clocks, temperature and power.
#include <cuda_runtime_api.h>
#include <dlfcn.h>

#include <fmt/format.h>

#include "core/backends.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/device_info.h"

namespace cb {
namespace {

// The subset of NVML we use, declared here so no NVML header or library is
// needed at build time. Signatures from nvml.h (stable since NVML 5).
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
struct Nvml {
  void* lib = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  nvmlReturn_t (*driver_version)(char*, unsigned) = nullptr;
  nvmlReturn_t (*by_pci)(const char*, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*serial)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*vbios)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*clock)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*power_limit)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*p2p_status)(nvmlDevice_t, nvmlDevice_t, int, int*) = nullptr;

  bool Load() {
    lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return false;
    auto sym = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(lib, name));
    };
    sym(init, "nvmlInit_v2");
    sym(shutdown, "nvmlShutdown");
    sym(driver_version, "nvmlSystemGetDriverVersion");
    sym(by_pci, "nvmlDeviceGetHandleByPciBusId_v2");
    sym(serial, "nvmlDeviceGetSerial");
    sym(vbios, "nvmlDeviceGetVbiosVersion");
    sym(clock, "nvmlDeviceGetClockInfo");
    sym(temperature, "nvmlDeviceGetTemperature");
    sym(power, "nvmlDeviceGetPowerUsage");
    sym(power_limit, "nvmlDeviceGetEnforcedPowerLimit");
    sym(p2p_status, "nvmlDeviceGetP2PStatus");
    return init && shutdown && init() == 0;
  }
  ~Nvml() {
    if (lib && shutdown) shutdown();
    if (lib) dlclose(lib);
  }
};

std::string FormatUuid(const cudaUUID_t& u) {
  const auto* b = reinterpret_cast<const unsigned char*>(u.bytes);
  return fmt::format(
      "GPU-{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", b[0],
      b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

std::string PciBusId(const cudaDeviceProp& p) {
  return fmt::format("{:08x}:{:02x}:{:02x}.0", p.pciDomainID, p.pciBusID, p.pciDeviceID);
}

// Fills `g` for device i (NVML parts when `nvml` is loaded); false when the
// runtime cannot describe the device.
bool ReadGpu(int i, Nvml* nvml, GpuInfo* out) {
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, i) != cudaSuccess) return false;
  GpuInfo& g = *out;
  g.index = i;
  g.name = p.name;
  g.uuid = FormatUuid(p.uuid);
  g.pci_bus_id = PciBusId(p);
  g.compute_capability_major = p.major;
  g.compute_capability_minor = p.minor;
  g.sm_count = p.multiProcessorCount;
  g.memory_bytes = static_cast<int64_t>(p.totalGlobalMem);
  g.l2_cache_bytes = p.l2CacheSize;
  int khz = 0;
  if (cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, i) == cudaSuccess) g.sm_clock_max_hz = khz * 1e3;
  if (cudaDeviceGetAttribute(&khz, cudaDevAttrMemoryClockRate, i) == cudaSuccess) g.memory_clock_max_hz = khz * 1e3;
  nvmlDevice_t dev = nullptr;
  if (nvml && nvml->by_pci && nvml->by_pci(g.pci_bus_id.c_str(), &dev) == 0) {
    char serial[64] = {0};
    if (nvml->serial && nvml->serial(dev, serial, sizeof serial) == 0) g.serial = serial;
    char vbios[64] = {0};  // NVML_DEVICE_VBIOS_VERSION_BUFFER_SIZE is 32
    if (nvml->vbios && nvml->vbios(dev, vbios, sizeof vbios) == 0) g.vbios = vbios;
    unsigned v = 0;
    if (nvml->clock && nvml->clock(dev, /*NVML_CLOCK_SM=*/1, &v) == 0) g.sm_clock_hz = v * 1e6;
    if (nvml->temperature && nvml->temperature(dev, /*NVML_TEMPERATURE_GPU=*/0, &v) == 0) g.temperature_c = v;
    if (nvml->power && nvml->power(dev, &v) == 0) g.power_w = v / 1000.0;
    if (nvml->power_limit && nvml->power_limit(dev, &v) == 0) g.power_limit_w = v / 1000.0;
  }
  return true;
}

void FillCudaInfo(NodeInfo& info) {
  int runtime = 0;
  cudaRuntimeGetVersion(&runtime);
  info.versions["cuda_runtime"] = fmt::format("{}.{}", runtime / 1000, (runtime % 1000) / 10);
  int driver = 0;
  if (cudaDriverGetVersion(&driver) != cudaSuccess || driver == 0) {
    info.gpu_note = "no CUDA driver on this machine";
    return;
  }
  info.versions["cuda_driver"] = fmt::format("{}.{}", driver / 1000, (driver % 1000) / 10);
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    info.gpu_note = fmt::format("no usable GPU: {} ({})", cudaGetErrorName(err), cudaGetErrorString(err));
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return;
  }
  Nvml nvml;
  bool have_nvml = nvml.Load();
  if (have_nvml && nvml.driver_version) {
    char v[96] = {0};
    if (nvml.driver_version(v, sizeof v) == 0) info.versions["driver"] = v;
  }
  for (int i = 0; i < count; ++i) {
    GpuInfo g;
    if (ReadGpu(i, have_nvml ? &nvml : nullptr, &g)) info.gpus.push_back(g);
  }
  if (info.gpus.empty()) info.gpu_note = "no GPU found";
}

}  // namespace

namespace cuda {

GpuInfo ReadGpuInfo(int index) {
  Nvml nvml;
  const bool have_nvml = nvml.Load();
  GpuInfo g;
  if (!ReadGpu(index, have_nvml ? &nvml : nullptr, &g)) {
    cudaDeviceProp p{};
    CB_CUDA_CHECK(cudaGetDeviceProperties(&p, index));  // throws with the runtime's reason
  }
  return g;
}

int NvlinkP2pStatus(int a, int b) {
  Nvml nvml;
  if (!nvml.Load() || !nvml.by_pci || !nvml.p2p_status) return -1;
  cudaDeviceProp pa{}, pb{};
  if (cudaGetDeviceProperties(&pa, a) != cudaSuccess || cudaGetDeviceProperties(&pb, b) != cudaSuccess) return -1;
  nvmlDevice_t da = nullptr, db = nullptr;
  if (nvml.by_pci(PciBusId(pa).c_str(), &da) != 0 || nvml.by_pci(PciBusId(pb).c_str(), &db) != 0) return -1;
  int status = -1;
  // NVML_P2P_CAPS_INDEX_NVLINK = 2 (nvml.h, nvmlGpuP2PCapsIndex_t).
  if (nvml.p2p_status(da, db, 2, &status) != 0) return -1;
  return status;
}

}  // namespace cuda

void RegisterCudaKernels(Backends& backends);  // kernels/cuda/cuda_bench.cc

void RegisterCudaBackend(Backends& backends) {
  backends.enabled.push_back("cuda");
  backends.node_info.push_back(FillCudaInfo);
  RegisterCudaKernels(backends);
}

}  // namespace cb
