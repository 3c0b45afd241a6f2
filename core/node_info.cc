#include "core/node_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "core/units.h"

namespace cb {
namespace {

std::string TrimCopy(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\"");
  size_t e = s.find_last_not_of(" \t\"\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::string HostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "unknown-host";
  return host;
}

NodeInfo CollectHostInfo() {
  NodeInfo info;
  info.hostname = HostName();
  struct utsname u;
  if (uname(&u) == 0) info.kernel = fmt::format("{} {} {}", u.sysname, u.release, u.machine);

  std::ifstream os("/etc/os-release");
  for (std::string line; std::getline(os, line);) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) info.os = TrimCopy(line.substr(12));
  }

  // Physical cores are distinct (physical id, core id) pairs.
  std::ifstream cpu("/proc/cpuinfo");
  std::set<std::pair<std::string, std::string>> cores;
  std::set<std::string> sockets;
  std::string physical_id = "0";
  for (std::string line; std::getline(cpu, line);) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = TrimCopy(line.substr(0, colon));
    std::string value = TrimCopy(line.substr(colon + 1));
    if (key == "model name" && info.cpu_model.empty()) info.cpu_model = value;
    if (key == "physical id") {
      physical_id = value;
      sockets.insert(value);
    }
    if (key == "core id") cores.insert({physical_id, value});
  }
  info.cpu_threads = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  info.cpu_sockets = sockets.empty() ? 1 : static_cast<int>(sockets.size());
  info.cpu_cores = cores.empty() ? info.cpu_threads : static_cast<int>(cores.size());

  std::ifstream mem("/proc/meminfo");
  for (std::string line; std::getline(mem, line);) {
    if (line.rfind("MemTotal:", 0) == 0) {
      std::istringstream ss(line.substr(9));
      int64_t kb = 0;
      ss >> kb;
      info.memory_bytes = kb * 1024;
    }
  }
  return info;
}

nlohmann::json NodeInfoToJson(const NodeInfo& info) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const auto& g : info.gpus) {
    gpus.push_back(
        {{"index", g.index},
         {"name", g.name},
         {"uuid", g.uuid},
         {"pci_bus_id", g.pci_bus_id},
         {"serial", g.serial},
         {"compute_capability", fmt::format("{}.{}", g.compute_capability_major, g.compute_capability_minor)},
         {"sm_count", g.sm_count},
         {"memory_bytes", g.memory_bytes},
         {"l2_cache_bytes", g.l2_cache_bytes},
         {"sm_clock_max_hz", g.sm_clock_max_hz},
         {"memory_clock_max_hz", g.memory_clock_max_hz},
         {"sm_clock_hz", g.sm_clock_hz},
         {"temperature_c", g.temperature_c},
         {"power_w", g.power_w},
         {"power_limit_w", g.power_limit_w}});
  }
  return {{"hostname", info.hostname},
          {"os", info.os},
          {"kernel", info.kernel},
          {"cpu",
           {{"model", info.cpu_model},
            {"sockets", info.cpu_sockets},
            {"cores", info.cpu_cores},
            {"threads", info.cpu_threads}}},
          {"memory_bytes", info.memory_bytes},
          {"gpus", gpus},
          {"gpu_note", info.gpu_note},
          {"versions", info.versions}};
}

std::string FormatNodeInfo(const NodeInfo& info) {
  std::string out;
  out += fmt::format("host      {}\n", info.hostname);
  out += fmt::format("os        {} ({})\n", info.os, info.kernel);
  out += fmt::format("cpu       {} — {} socket(s), {} cores, {} threads\n", info.cpu_model, info.cpu_sockets,
                     info.cpu_cores, info.cpu_threads);
  out += fmt::format("memory    {}\n", FormatBytes(static_cast<double>(info.memory_bytes)));
  if (info.gpus.empty()) {
    out += fmt::format("gpus      none ({})\n", info.gpu_note.empty() ? "none found" : info.gpu_note);
  }
  for (const auto& g : info.gpus) {
    out += fmt::format("gpu {}     {} (sm_{}{}) {}\n", g.index, g.name, g.compute_capability_major,
                       g.compute_capability_minor, g.uuid);
    out += fmt::format("          pci {}  SMs {}  memory {}  L2 {}\n", g.pci_bus_id, g.sm_count,
                       FormatBytes(static_cast<double>(g.memory_bytes)),
                       FormatBytes(static_cast<double>(g.l2_cache_bytes)));
    out += fmt::format("          clocks: SM max {}  memory max {}",
                       FormatQuantity(g.sm_clock_max_hz, Dimension::kFrequency),
                       FormatQuantity(g.memory_clock_max_hz, Dimension::kFrequency));
    if (g.sm_clock_hz > 0) out += fmt::format("  SM now {}", FormatQuantity(g.sm_clock_hz, Dimension::kFrequency));
    out += "\n";
    if (!g.serial.empty() || g.temperature_c >= 0 || g.power_w >= 0) {
      out += fmt::format("          serial {}  temperature {}  power {} / {}\n", g.serial.empty() ? "-" : g.serial,
                         g.temperature_c >= 0 ? fmt::format("{:.0f} C", g.temperature_c) : "-",
                         g.power_w >= 0 ? fmt::format("{:.0f} W", g.power_w) : "-",
                         g.power_limit_w >= 0 ? fmt::format("{:.0f} W", g.power_limit_w) : "-");
    }
  }
  out += "versions ";
  for (const auto& [k, v] : info.versions) out += fmt::format(" {}={}", k, v);
  out += "\n";
  return out;
}

}  // namespace cb
