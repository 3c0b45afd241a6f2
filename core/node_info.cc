#include "core/node_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
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
         {"vbios", g.vbios},
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

NodeInfo NodeInfoFromJson(const nlohmann::json& j) {
  NodeInfo info;
  info.hostname = j.value("hostname", "");
  info.os = j.value("os", "");
  info.kernel = j.value("kernel", "");
  if (auto c = j.find("cpu"); c != j.end() && c->is_object()) {
    info.cpu_model = c->value("model", "");
    info.cpu_sockets = c->value("sockets", 0);
    info.cpu_cores = c->value("cores", 0);
    info.cpu_threads = c->value("threads", 0);
  }
  info.memory_bytes = j.value("memory_bytes", int64_t{0});
  info.gpu_note = j.value("gpu_note", "");
  if (auto v = j.find("versions"); v != j.end() && v->is_object()) {
    for (const auto& [k, x] : v->items()) {
      if (x.is_string()) info.versions[k] = x.get<std::string>();
    }
  }
  if (auto gs = j.find("gpus"); gs != j.end() && gs->is_array()) {
    for (const auto& g : *gs) {
      GpuInfo gi;
      gi.index = g.value("index", 0);
      gi.name = g.value("name", "");
      gi.uuid = g.value("uuid", "");
      gi.pci_bus_id = g.value("pci_bus_id", "");
      gi.serial = g.value("serial", "");
      gi.vbios = g.value("vbios", "");
      const std::string cc = g.value("compute_capability", "0.0");
      if (auto dot = cc.find('.'); dot != std::string::npos) {
        gi.compute_capability_major = std::atoi(cc.substr(0, dot).c_str());
        gi.compute_capability_minor = std::atoi(cc.substr(dot + 1).c_str());
      }
      gi.sm_count = g.value("sm_count", 0);
      gi.memory_bytes = g.value("memory_bytes", int64_t{0});
      gi.l2_cache_bytes = g.value("l2_cache_bytes", int64_t{0});
      gi.sm_clock_max_hz = g.value("sm_clock_max_hz", 0.0);
      gi.memory_clock_max_hz = g.value("memory_clock_max_hz", 0.0);
      gi.sm_clock_hz = g.value("sm_clock_hz", 0.0);
      gi.temperature_c = g.value("temperature_c", -1.0);
      gi.power_w = g.value("power_w", -1.0);
      gi.power_limit_w = g.value("power_limit_w", -1.0);
      info.gpus.push_back(gi);
    }
  }
  return info;
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
    if (!g.serial.empty() || !g.vbios.empty() || g.temperature_c >= 0 || g.power_w >= 0) {
      out += fmt::format("          serial {}  VBIOS {}  temperature {}  power {} / {}\n",
                         g.serial.empty() ? "-" : g.serial, g.vbios.empty() ? "-" : g.vbios,
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
