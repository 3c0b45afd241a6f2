#include "acceptance/health.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/config.h"
#include "core/error.h"
#include "core/subprocess.h"
#include "core/units.h"

namespace fs = std::filesystem;

namespace cb::acc {
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  const size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The first line of a sysfs file, trimmed; empty when absent or unreadable.
std::string ReadLine(const fs::path& p) {
  std::ifstream f(p);
  std::string line;
  if (!f || !std::getline(f, line)) return "";
  return Trim(line);
}

std::vector<fs::path> Children(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
  std::sort(out.begin(), out.end());
  return out;
}

// "16.0 GT/s PCIe" -> 16; "Unknown" -> 0.
double GtPerSecond(const std::string& s) { return std::atof(s.c_str()); }

// "0-3,8-11" -> 8.
int CountCpuList(const std::string& s) {
  int n = 0;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, ',');) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
      n += !Trim(part).empty();
    } else {
      n += std::atoi(part.substr(dash + 1).c_str()) - std::atoi(part.substr(0, dash).c_str()) + 1;
    }
  }
  return n;
}

bool IsNvidiaGpu(const fs::path& dev) {
  const std::string cls = ReadLine(dev / "class");
  return ReadLine(dev / "vendor") == "0x10de" && cls.rfind("0x03", 0) == 0;
}

HealthFinding Finding(std::string aspect, Failure failure) {
  HealthFinding f;
  f.aspect = std::move(aspect);
  f.failure = failure;
  return f;
}

// Runs `cmd` through the shell (core/subprocess.h); its stdout, or nullopt
// with `why` set when it fails or hangs. A healthy node answers nvidia-smi and
// prints its kernel log in well under a second; a GPU that fell off the bus
// can hang nvidia-smi for good, so a probe has `timeout_s` (the check's
// probe_timeout, 60 s by default) and is then ended and reported.
std::optional<std::string> Capture(const std::string& cmd, const std::string& name, double timeout_s,
                                   std::string* why) {
  const ShellResult r = RunShell(cmd, {.timeout_s = timeout_s, .capture = true, .quiet_stderr = true});
  if (r.timed_out) {
    *why = fmt::format("{} did not answer within {:g} s and was ended (a hung driver or GPU?)", name, timeout_s);
    return std::nullopt;
  }
  if (r.exit_status != 0) {
    *why = r.exit_status == 127 ? fmt::format("{} not found", name)
           : r.exit_status < 0  ? fmt::format("cannot run {}", name)
                                : fmt::format("{} failed (exit status {})", name, r.exit_status);
    return std::nullopt;
  }
  return r.out;
}

// nvidia-smi gave no rows: a probe that hung fails the node (the GPU or the
// driver needs a look); one that cannot run here is skipped.
void NotAnswered(const std::string& why, HealthFinding* f) {
  if (why.find("did not answer") != std::string::npos) {
    f->ok = false;
    f->plain = why;
    f->details = why;
  } else {
    f->skipped = why.empty() ? "nvidia-smi lists no GPU" : why;
  }
}

void ProbeXid(const HealthSpec& s, std::vector<HealthFinding>* out) {
  if (!s.max_xid_errors) return;
  HealthFinding f = Finding("gpu-xid", Failure::kGpuErrors);
  std::string why;
  auto log = Capture(s.kernel_log, s.kernel_log, s.probe_timeout_s, &why);
  if (!log) {
    f.skipped = why + " (reading the kernel log may need root, or kernel.dmesg_restrict=0)";
    out->push_back(f);
    return;
  }
  std::vector<std::string> lines;
  std::istringstream in(*log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("NVRM: Xid") != std::string::npos) lines.push_back(Trim(line));
  }
  const int64_t n = static_cast<int64_t>(lines.size());
  f.ok = n <= *s.max_xid_errors;
  f.plain = f.ok ? fmt::format("{} GPU Xid error(s) in the kernel log", n)
                 : fmt::format("{} GPU Xid error(s) in the kernel log (at most {} allowed); the last: {}", n,
                               *s.max_xid_errors, lines.back());
  f.details = fmt::format("'NVRM: Xid' lines in the output of {}: {}", s.kernel_log,
                          lines.empty() ? "none" : fmt::format("{}", fmt::join(lines, " | ")));
  out->push_back(f);
}

// Runs the nvidia-smi query; one row of fields per GPU. Empty with `why` set
// when it cannot run.
std::vector<std::vector<std::string>> NvidiaSmi(const HealthSpec& s, const std::string& fields, std::string* why) {
  std::vector<std::vector<std::string>> rows;
  auto got = Capture(fmt::format("{} --query-gpu={} --format=csv,noheader,nounits", s.nvidia_smi, fields), s.nvidia_smi,
                     s.probe_timeout_s, why);
  if (!got) {
    if (why->find("not found") != std::string::npos) *why += ": no NVIDIA driver here";
    return rows;
  }
  const std::string& out = *got;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (Trim(line).empty()) continue;
    std::vector<std::string> row;
    std::istringstream fields_in(line);
    for (std::string x; std::getline(fields_in, x, ',');) row.push_back(Trim(x));
    rows.push_back(row);
  }
  return rows;
}

void ProbeGpus(const HealthSpec& s, std::vector<HealthFinding>* out) {
  const fs::path pci = fs::path(s.root) / "sys/bus/pci/devices";
  if (s.expected_gpus) {
    HealthFinding f = Finding("gpus", Failure::kGpuCount);
    std::vector<std::string> found;
    for (const auto& dev : Children(pci)) {
      if (IsNvidiaGpu(dev)) found.push_back(dev.filename().string());
    }
    const int n = static_cast<int>(found.size());
    f.ok = n >= *s.expected_gpus;
    f.plain = f.ok ? fmt::format("{} GPU(s), as expected", n)
                   : fmt::format("only {} of the {} expected GPU(s) are on the PCI bus", n, *s.expected_gpus);
    f.details = fmt::format("NVIDIA display controllers (vendor 0x10de, class 0x03xxxx) under {}: {}", pci.string(),
                            found.empty() ? "none" : fmt::format("{}", fmt::join(found, ", ")));
    out->push_back(f);
  }
  if (s.max_ecc_errors || s.gpu_throttle) {
    std::string why;
    auto rows = NvidiaSmi(s,
                          "index,pci.bus_id,ecc.errors.uncorrected.volatile.total,clocks_throttle_reasons.hw_slowdown,"
                          "clocks_throttle_reasons.hw_thermal_slowdown,clocks_throttle_reasons.hw_power_brake_slowdown,"
                          "clocks_throttle_reasons.sw_thermal_slowdown",
                          &why);
    if (s.max_ecc_errors) {
      HealthFinding f = Finding("gpu-errors", Failure::kGpuErrors);
      if (rows.empty()) {
        NotAnswered(why, &f);
      } else {
        std::vector<std::string> bad, all;
        for (const auto& r : rows) {
          if (r.size() < 3) continue;
          all.push_back(fmt::format("GPU {} ({}): {}", r[0], r[1], r[2]));
          if (r[2].find_first_not_of("0123456789") == std::string::npos && std::atoll(r[2].c_str()) > *s.max_ecc_errors)
            bad.push_back(fmt::format("GPU {} ({}) has {} uncorrected ECC error(s)", r[0], r[1], r[2]));
        }
        f.ok = bad.empty();
        f.plain =
            f.ok ? "no GPU has more uncorrected ECC errors than allowed" : fmt::format("{}", fmt::join(bad, "; "));
        f.details = fmt::format("nvidia-smi ecc.errors.uncorrected.volatile.total (at most {}): {}", *s.max_ecc_errors,
                                fmt::join(all, "; "));
      }
      out->push_back(f);
    }
    if (s.gpu_throttle) {
      HealthFinding f = Finding("gpu-throttle", Failure::kThrottle);
      if (rows.empty()) {
        NotAnswered(why, &f);
      } else {
        static const char* kReasons[] = {"hw_slowdown", "hw_thermal_slowdown", "hw_power_brake_slowdown",
                                         "sw_thermal_slowdown"};
        std::vector<std::string> bad;
        for (const auto& r : rows) {
          std::vector<std::string> active;
          for (size_t k = 3; k < r.size() && k < 7; ++k) {
            if (r[k] == "Active") active.push_back(kReasons[k - 3]);
          }
          if (!active.empty()) bad.push_back(fmt::format("GPU {} ({}): {}", r[0], r[1], fmt::join(active, ", ")));
        }
        f.ok = bad.empty();
        f.plain =
            f.ok ? "no GPU clock is throttled" : "GPU clocks throttled: " + fmt::format("{}", fmt::join(bad, "; "));
        f.details =
            "nvidia-smi clocks_throttle_reasons: hw_slowdown, hw_thermal_slowdown, hw_power_brake_slowdown, "
            "sw_thermal_slowdown";
      }
      out->push_back(f);
    }
  }
}

void ProbeHost(const HealthSpec& s, std::vector<HealthFinding>* out) {
  const fs::path cpu = fs::path(s.root) / "sys/devices/system/cpu";
  if (s.min_cpus || s.min_memory) {
    HealthFinding f = Finding("host", Failure::kHost);
    std::vector<std::string> bad, seen;
    if (s.min_cpus) {
      const std::string online = ReadLine(cpu / "online");
      if (online.empty()) {
        f.skipped = (cpu / "online").string() + " is not readable";
      } else {
        const int n = CountCpuList(online);
        seen.push_back(fmt::format("{} CPU(s) online ({})", n, online));
        if (n < *s.min_cpus) bad.push_back(fmt::format("{} CPU(s) online, {} expected", n, *s.min_cpus));
      }
    }
    if (s.min_memory) {
      std::ifstream mem(fs::path(s.root) / "proc/meminfo");
      double bytes = -1;
      for (std::string line; std::getline(mem, line);) {
        if (line.rfind("MemTotal:", 0) == 0) bytes = std::atof(line.substr(9).c_str()) * 1024;
      }
      if (bytes < 0) {
        f.skipped = (fs::path(s.root) / "proc/meminfo").string() + " has no MemTotal";
      } else {
        seen.push_back(fmt::format("memory {}", FormatBytes(bytes)));
        if (bytes < *s.min_memory)
          bad.push_back(fmt::format("memory {}, {} expected", FormatBytes(bytes), FormatBytes(*s.min_memory)));
      }
    }
    f.ok = bad.empty();
    f.plain = f.ok ? fmt::format("{}", fmt::join(seen, ", ")) : fmt::format("{}", fmt::join(bad, "; "));
    f.details = fmt::format("{}/online and {}/proc/meminfo", cpu.string(), s.root);
    if (!f.skipped.empty() && !bad.empty()) f.skipped.clear();  // a failure found outweighs a missing file
    out->push_back(f);
  }
  if (s.max_cpu_throttle_events) {
    HealthFinding f = Finding("cpu-throttle", Failure::kThrottle);
    int64_t core = 0, package = 0;
    int cpus = 0;
    for (const auto& d : Children(cpu)) {
      const fs::path t = d / "thermal_throttle";
      if (!fs::exists(t)) continue;
      ++cpus;
      core += std::atoll(ReadLine(t / "core_throttle_count").c_str());
      package = std::max<int64_t>(package, std::atoll(ReadLine(t / "package_throttle_count").c_str()));
    }
    if (cpus == 0) {
      f.skipped = "no thermal_throttle counters under " + cpu.string() + " (not an x86 host, or a VM)";
    } else {
      f.ok = core + package <= *s.max_cpu_throttle_events;
      f.plain = f.ok ? fmt::format("{} CPU thermal throttle event(s) since boot", core + package)
                     : fmt::format("the CPUs were thermally throttled {} time(s) since boot (at most {} allowed)",
                                   core + package, *s.max_cpu_throttle_events);
      f.details =
          fmt::format("sum of core_throttle_count over {} CPU(s): {}; package_throttle_count: {}", cpus, core, package);
    }
    out->push_back(f);
  }
}

void ProbePcie(const HealthSpec& s, std::vector<HealthFinding>* out) {
  if (!s.pcie_min_width && !s.pcie_min_speed && !s.pcie_at_max) return;
  HealthFinding f = Finding("pcie", Failure::kPcie);
  const fs::path pci = fs::path(s.root) / "sys/bus/pci/devices";
  std::vector<std::string> bad, all;
  for (const auto& dev : Children(pci)) {
    const std::string cls = ReadLine(dev / "class");
    if (s.pcie_devices == PcieDevices::kGpu && !IsNvidiaGpu(dev)) continue;
    if (s.pcie_devices == PcieDevices::kNic && cls.rfind("0x02", 0) != 0) continue;
    const std::string cw = ReadLine(dev / "current_link_width"), mw = ReadLine(dev / "max_link_width");
    if (cw.empty()) continue;  // no PCIe link (a root complex device)
    const int width = std::atoi(cw.c_str()), max_width = std::atoi(mw.c_str());
    const std::string cs = ReadLine(dev / "current_link_speed"), ms = ReadLine(dev / "max_link_speed");
    const double speed = GtPerSecond(cs);
    const std::string name = dev.filename().string();
    all.push_back(fmt::format("{} x{} of x{} at {} of {}", name, width, max_width, cs, ms));
    std::vector<std::string> why;
    if (s.pcie_min_width && width < *s.pcie_min_width)
      why.push_back(fmt::format("x{} < x{}", width, *s.pcie_min_width));
    if (s.pcie_at_max && width < max_width) why.push_back(fmt::format("x{} of its x{}", width, max_width));
    if (s.pcie_min_speed && speed < *s.pcie_min_speed)
      why.push_back(fmt::format("{:g} GT/s < {:g} GT/s", speed, *s.pcie_min_speed));
    if (!why.empty()) bad.push_back(fmt::format("{} runs at {}", name, fmt::join(why, ", ")));
  }
  if (all.empty()) {
    f.skipped =
        fmt::format("no {} PCIe link under {}",
                    s.pcie_devices == PcieDevices::kAll ? "" : NameOf(kPcieDevicesNames, s.pcie_devices), pci.string());
  } else {
    f.ok = bad.empty();
    f.plain = f.ok ? fmt::format("{} PCIe link(s) as required", all.size())
                   : fmt::format("{} of {} PCIe link(s) degraded: {}", bad.size(), all.size(), fmt::join(bad, "; "));
    f.details = fmt::format("{}", fmt::join(all, "; "));
  }
  out->push_back(f);
}

// B/s as a link rate in bits: 50e9 -> "400 Gb/s".
std::string BitRate(double bytes_per_s) { return fmt::format("{:g} Gb/s", bytes_per_s * 8 / 1e9); }

// "400 Gb/sec (4X NDR)" -> 50e9 B/s.
double IbRate(const std::string& s) { return std::atof(s.c_str()) * 1e9 / 8; }

void ProbeNics(const HealthSpec& s, std::vector<HealthFinding>* out) {
  if (!s.nic_count && !s.nic_min_rate) return;
  HealthFinding f = Finding("nics", Failure::kNic);
  struct Port {
    std::string name;
    bool up;
    double rate;  // B/s; <= 0 unknown
    std::string state;
  };
  std::vector<Port> ports;
  if (s.nic_kind != NicKind::kEthernet) {
    for (const auto& dev : Children(fs::path(s.root) / "sys/class/infiniband")) {
      for (const auto& port : Children(dev / "ports")) {
        const std::string state = ReadLine(port / "state");
        ports.push_back({fmt::format("{}/{}", dev.filename().string(), port.filename().string()),
                         state.find("ACTIVE") != std::string::npos, IbRate(ReadLine(port / "rate")), state});
      }
    }
  }
  if (s.nic_kind != NicKind::kInfiniband) {
    for (const auto& dev : Children(fs::path(s.root) / "sys/class/net")) {
      if (!fs::exists(dev / "device")) continue;  // lo, bridges, veth: no hardware behind them
      if (fs::exists(dev / "type") && ReadLine(dev / "type") == "32") continue;  // IPoIB: counted as its IB port
      const std::string state = ReadLine(dev / "operstate");
      const double mbps = std::atof(ReadLine(dev / "speed").c_str());
      ports.push_back({dev.filename().string(), state == "up", mbps > 0 ? mbps * 1e6 / 8 : 0, state});
    }
  }
  std::vector<std::string> bad, all;
  int good = 0;
  for (const auto& p : ports) {
    const std::string rate = p.rate > 0 ? BitRate(p.rate) : "unknown rate";
    all.push_back(fmt::format("{} {} {}", p.name, p.state.empty() ? "?" : p.state, rate));
    std::vector<std::string> why;
    if (!p.up) why.push_back(fmt::format("down ({})", p.state.empty() ? "no state" : p.state));
    if (s.nic_min_rate && p.rate < *s.nic_min_rate) why.push_back(fmt::format("at {}", rate));
    if (why.empty()) {
      ++good;
    } else {
      bad.push_back(fmt::format("{} {}", p.name, fmt::join(why, ", ")));
    }
  }
  const std::string need = s.nic_min_rate ? " at " + BitRate(*s.nic_min_rate) + " or faster" : "";
  if (s.nic_count) {
    f.ok = good >= *s.nic_count;
    f.plain = f.ok ? fmt::format("{} port(s) up{}", good, need)
                   : fmt::format("{} of the {} expected port(s) up{}{}{}", good, *s.nic_count, need,
                                 bad.empty() ? "" : ": ", fmt::join(bad, "; "));
  } else {
    f.ok = bad.empty();
    f.plain = f.ok ? fmt::format("{} port(s) up{}", good, need) : fmt::format("{}", fmt::join(bad, "; "));
  }
  if (ports.empty() && !s.nic_count) f.skipped = "no network port found";
  f.details =
      all.empty() ? "no port under sys/class/infiniband or sys/class/net" : fmt::format("{}", fmt::join(all, "; "));
  out->push_back(f);
}

}  // namespace

bool HealthSpec::empty() const {
  return !expected_gpus && !max_ecc_errors && !max_xid_errors && !gpu_throttle && !min_cpus && !min_memory &&
         !max_cpu_throttle_events && !pcie_min_width && !pcie_min_speed && !pcie_at_max && !nic_count && !nic_min_rate;
}

namespace {

// A closed set's value at `key` of `n` (its default when unwritten): a name
// that is none of `names` is an error naming the key and the valid names.
template <typename E, size_t N>
E Named(const ConfigNode& n, const char* key, const char* fallback, const EnumName<E> (&names)[N]) {
  const std::string v = n.GetString(key, fallback);
  if (const std::optional<E> e = ValueOf(names, v)) return *e;
  const ConfigNode& at = n.at(key);
  throw ConfigError(fmt::format("{}: key '{}': '{}' is not one of {}", at.where(), at.path(), v, NameList(names)));
}

}  // namespace

HealthSpec HealthSpecFromConfig(const ConfigNode& c) {
  HealthSpec s;
  s.root = c.GetString("sys_root", "/");
  s.nvidia_smi = c.GetString("nvidia_smi", "nvidia-smi");
  if (c.Has("probe_timeout")) s.probe_timeout_s = c.at("probe_timeout").AsDouble();
  if (c.Has("expected_gpus")) s.expected_gpus = static_cast<int>(c.GetInt("expected_gpus", 0));
  if (c.Has("max_ecc_errors")) s.max_ecc_errors = c.GetInt("max_ecc_errors", 0);
  if (c.Has("max_xid_errors")) s.max_xid_errors = c.GetInt("max_xid_errors", 0);
  s.kernel_log = c.GetString("kernel_log", "dmesg");
  s.gpu_throttle = c.GetBool("gpu_throttle", false);
  if (c.Has("min_cpus")) s.min_cpus = static_cast<int>(c.GetInt("min_cpus", 0));
  if (c.Has("min_memory")) s.min_memory = c.at("min_memory").AsDouble();
  if (c.Has("max_cpu_throttle_events")) s.max_cpu_throttle_events = c.GetInt("max_cpu_throttle_events", 0);
  if (const ConfigNode* p = c.Find("pcie")) {
    if (p->Has("min_width")) s.pcie_min_width = static_cast<int>(p->GetInt("min_width", 0));
    if (p->Has("min_speed")) s.pcie_min_speed = p->GetDouble("min_speed", 0);
    s.pcie_at_max = p->GetBool("at_max", false);
    s.pcie_devices = Named(*p, "devices", "gpu", kPcieDevicesNames);
  }
  if (const ConfigNode* n = c.Find("nics")) {
    if (n->Has("count")) s.nic_count = static_cast<int>(n->GetInt("count", 0));
    if (n->Has("min_rate")) s.nic_min_rate = n->at("min_rate").AsDouble();
    s.nic_kind = Named(*n, "kind", "any", kNicKindNames);
  }
  return s;
}

std::vector<HealthFinding> ProbeHealth(const HealthSpec& spec) {
  std::vector<HealthFinding> out;
  ProbeGpus(spec, &out);
  ProbeXid(spec, &out);
  ProbeHost(spec, &out);
  ProbePcie(spec, &out);
  ProbeNics(spec, &out);
  return out;
}

}  // namespace cb::acc
