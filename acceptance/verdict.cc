#include "acceptance/verdict.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"
#include "core/stats.h"

namespace cb::acc {

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSkipped:
      return "SKIPPED";
    case Verdict::kPass:
      return "PASS";
    case Verdict::kWarn:
      return "WARN";
    case Verdict::kFail:
      return "FAIL";
  }
  return "?";
}

Verdict Worst(Verdict a, Verdict b) { return static_cast<int>(a) >= static_cast<int>(b) ? a : b; }

const char* SeverityName(Severity s) { return s == Severity::kWarn ? "warn" : "critical"; }

Status ClusterStatus(const std::vector<Verdict>& verdicts) {
  Verdict worst = Verdict::kSkipped;
  for (Verdict v : verdicts) worst = Worst(worst, v);
  switch (worst) {
    case Verdict::kPass:
      return {"OK", 0};
    case Verdict::kWarn:
      return {"WARN", 1};
    case Verdict::kFail:
      return {"CRITICAL", 2};
    case Verdict::kSkipped:
      break;
  }
  return {"UNKNOWN", 3};
}

FleetStats ComputeFleetStats(const std::vector<double>& values, const Thresholds& t) {
  FleetStats s;
  s.count = static_cast<int>(values.size());
  s.outlier_floor = -std::numeric_limits<double>::infinity();
  if (values.empty()) return s;
  s.median = Median(values);
  std::vector<double> dev;
  for (double v : values) dev.push_back(std::fabs(v - s.median));
  s.mad = Median(dev);
  s.best = *std::max_element(values.begin(), values.end());
  if (s.count >= 3 && t.outlier_mads > 0) {
    s.outlier_floor = s.median - std::max(t.outlier_mads * kMadToSigma * s.mad, t.outlier_min_deviation * s.median);
  }
  return s;
}

namespace {

std::string Q(double v, Dimension d) { return FormatQuantity(v, d, 4); }

struct Bound {
  std::string kind;
  double value;
  std::string why;  // how the bound was obtained
};

}  // namespace

namespace {

constexpr FailureAdvice kFailureAdvice[] = {
    {Failure::kNone, "none", "passed", ""},
    {Failure::kSlow, "slow", "slower than required",
     "Rerun the node's checks alone with more repeats (--set checks.N.repeats=3, or --set checks.N.rounds=3) to rule "
     "out noise; on a GPU check clocks, power and throttling with `nvidia-smi -q -d PERFORMANCE,POWER,CLOCK`; on a "
     "host check the CPU governor and thermal throttling (`cpupower frequency-info`, "
     "/sys/devices/system/cpu/cpu*/thermal_throttle) and that nothing else runs on it."},
    {Failure::kWrong, "wrong-results", "wrong results (correctness, not speed)",
     "Suspect memory: read `nvidia-smi -q -d ECC,ROW_REMAPPER,PAGE_RETIREMENT` and the kernel log for Xid errors "
     "(`dmesg | grep -i xid`), run `dcgmi diag -r 3` on the GPU, or `edac-util -v` / memtester on a host; drain the "
     "node until a rerun passes."},
    {Failure::kNotMeasured, "not-measured", "not measured",
     "Check that the hardware is seen (`nvidia-smi -L`, `lspci`), that this build has the backend (`clusterbench "
     "info`), that the job places ranks as the suite expects (one per GPU), and rerun."},
    {Failure::kGpuCount, "gpu-count", "GPUs missing",
     "A GPU is not seen: compare `nvidia-smi -L` with `lspci | grep -i nvidia`, look for 'fallen off the bus' (Xid 79) "
     "in `dmesg`; reseat or replace the GPU or its riser."},
    {Failure::kGpuErrors, "gpu-errors", "GPU memory errors",
     "Read `nvidia-smi -q -d ECC,ROW_REMAPPER,PAGE_RETIREMENT`; uncorrectable errors need a GPU reset (`nvidia-smi "
     "-r`) and a rerun, and an RMA if they come back; run `dcgmi diag -r 3`."},
    {Failure::kThrottle, "throttle", "clocks throttled",
     "`nvidia-smi -q -d PERFORMANCE` names the throttle reason (HW slowdown, thermal, power brake); check cooling, "
     "fans, inlet temperature and power caps (`nvidia-smi -q -d POWER`); on a host, "
     "/sys/devices/system/cpu/cpu*/thermal_throttle and the BMC's sensor log."},
    {Failure::kPcie, "pcie", "PCIe link degraded",
     "The link trained narrower or slower than it can: compare LnkSta with LnkCap in `lspci -vv -s BUS`; reseat the "
     "card or riser, check the slot's BIOS settings; a GPU link that drops speed only when idle is power saving "
     "(recheck under load)."},
    {Failure::kNic, "nic", "network port down or slow",
     "Check the port with `ibstat` / `ibv_devinfo` (InfiniBand) or `ethtool IFACE` (Ethernet): state, rate, cable "
     "and switch port; a port at a lower rate than expected usually has a bad cable or transceiver."},
    {Failure::kHost, "host", "host smaller than expected",
     "Compare `nproc`, `lscpu` and `free -g` with the order: offline CPUs (/sys/devices/system/cpu/online), a missing "
     "DIMM (`dmidecode -t memory`, `edac-util`), or a BIOS setting (SMT, memory mode)."},
    {Failure::kSelfTest, "self-test", "self-test injection ignored (a clusterbench defect)",
     "A benchmark did not honour `--inject`: its figures say nothing about the node. Report it to clusterbench with "
     "the check and benchmark named in the reason; a benchmark must measure through the harness (kernels/harness.h: "
     "MeasureHost, MeasureSampled or the device timer apply the throttle) and perturb its output before its check "
     "under MeasureOptions::corrupt_output."},
};

std::string Percent(double fraction) { return fmt::format("{:.0f}%", fraction * 100); }

// The bound in words: what the unit was held against.
std::string BoundWords(const std::string& kind) {
  if (kind == "absolute") return "the suite's minimum";
  if (kind == "spec") return "the suite's share of the datasheet figure";
  if (kind == "model") return "the suite's share of what the model expects";
  if (kind == "relative") return "what its peers deliver";
  if (kind == "outlier") return "the fleet's typical value";
  return "the expected value";
}

}  // namespace

const char* FailureName(Failure f) { return AdviceFor(f).name; }

const FailureAdvice& AdviceFor(Failure f) {
  for (const auto& a : kFailureAdvice) {
    if (a.failure == f) return a;
  }
  return kFailureAdvice[0];
}

namespace {

// The fleet and each peer group, from every measured unit's value (median of its rounds).
struct Peers {
  std::vector<double> bests;                 // every measured unit
  std::map<std::string, double> group_best;  // per peer group: its best unit
  std::map<std::string, int> group_count;    // per peer group: its measured units
};

Peers PeersOf(const std::vector<UnitData>& units) {
  Peers p;
  for (const auto& u : units) {
    if (!u.skipped.empty() || u.values.empty()) continue;
    double b = Median(u.values);
    p.bests.push_back(b);
    auto [it, fresh] = p.group_best.emplace(u.peer_group, b);
    if (!fresh) it->second = std::max(it->second, b);
    ++p.group_count[u.peer_group];
  }
  return p;
}

// The bounds a measured unit whose median is `value` must reach: absolute,
// the nameplate's share, the model's share (the unit must have a model
// figure), within `relative` of its peer group's best (with a peer), and the
// fleet's outlier floor (when there is one).
std::vector<Bound> BoundsOf(const CheckSpec& check, const UnitData& u, double value, const Peers& peers,
                            const FleetStats& fleet) {
  const Thresholds& t = check.thresholds;
  const Dimension d = check.dimension;
  std::vector<Bound> bounds;
  if (t.absolute) bounds.push_back({"absolute", *t.absolute, fmt::format("absolute minimum {}", Q(*t.absolute, d))});
  if (t.fraction_of_spec && check.spec) {
    bounds.push_back({"spec", *t.fraction_of_spec * *check.spec,
                      fmt::format("{:.0f}% of the nameplate {}", *t.fraction_of_spec * 100, Q(*check.spec, d))});
  }
  if (t.fraction_of_model) {
    bounds.push_back({"model", *t.fraction_of_model * u.model,
                      fmt::format("{:.0f}% of the model's {}; measured/model {:.3g}; {}", *t.fraction_of_model * 100,
                                  Q(u.model, d), value / u.model, u.model_how)});
  }
  if (peers.group_count.at(u.peer_group) >= 2) {
    double ref = peers.group_best.at(u.peer_group);
    bounds.push_back({"relative", (1 - t.relative) * ref,
                      fmt::format("within {:.0f}% of the best{} {}", t.relative * 100,
                                  u.peer_group.empty() ? " in the fleet" : " on " + u.peer_group, Q(ref, d))});
  }
  if (std::isfinite(fleet.outlier_floor)) {
    bounds.push_back({"outlier", fleet.outlier_floor,
                      fmt::format("fleet outlier floor: median {} - max({} x 1.4826 x MAD {}, {:.0f}%)",
                                  Q(fleet.median, d), t.outlier_mads, Q(fleet.mad, d), t.outlier_min_deviation * 100)});
  }
  return bounds;
}

// A unit against its bounds: the highest is the one it had to reach; a round
// below any bound is a miss, and `repeats` misses fail (or warn) the unit.
void JudgeAgainst(const CheckSpec& check, const UnitData& u, const std::vector<Bound>& bounds, UnitVerdict* v) {
  const Dimension d = check.dimension;
  const Bound* binding = nullptr;
  for (const auto& b : bounds) {
    if (!binding || b.value > binding->value) binding = &b;
  }
  if (binding) {
    v->expected = binding->value;
    v->bound = binding->kind;
  }
  // Rounds that miss any bound, and the bounds they miss.
  std::vector<const Bound*> missed_bounds;
  for (double x : u.values) {
    bool missed = false;
    for (const auto& b : bounds) {
      if (x < b.value) {
        missed = true;
        if (std::find(missed_bounds.begin(), missed_bounds.end(), &b) == missed_bounds.end())
          missed_bounds.push_back(&b);
      }
    }
    v->missed_rounds += missed;
  }
  if (v->missed_rounds == 0) {
    v->verdict = Verdict::kPass;
    return;
  }
  std::string values;
  for (double x : u.values) values += (values.empty() ? "" : ", ") + Q(x, d);
  if (v->missed_rounds < check.repeats) {
    // Not (yet) a failure. While the latest round missed, the runner
    // measures again; when it cannot, the misses do not count.
    v->verdict = Verdict::kPass;
    v->needs_more = !bounds.empty() && u.values.back() < binding->value;
    v->reason = fmt::format("{}: {} of {} measurement(s) [{}] below {}, fewer than the {} needed to fail", check.name,
                            v->missed_rounds, v->rounds, values, Q(v->expected, d), check.repeats);
    return;
  }
  v->verdict = check.severity == Severity::kCritical ? Verdict::kFail : Verdict::kWarn;
  std::string why;
  for (const Bound* b : missed_bounds) {
    why += fmt::format("{}{} {} ({})", why.empty() ? "" : "; ", b->kind, Q(b->value, d), b->why);
  }
  v->reason = fmt::format("{}: measured {} (median) < expected {}; {} of {} measurement(s) missed [{}]: {}", check.name,
                          Q(v->value, d), Q(v->expected, d), v->missed_rounds, v->rounds, values, why);
  v->plain = fmt::format("{}: too slow: {} below {} ({} where {} was needed)", check.name,
                         Percent(v->expected > 0 ? std::max(0.0, 1 - v->value / v->expected) : 0), BoundWords(v->bound),
                         Q(v->value, d), Q(v->expected, d));
  v->failure = Failure::kSlow;
}

// One unit: SKIPPED when nothing was measured (or, judged by the model, the
// model has no figure for it), FAIL when a self-test injection it was
// measured under does not show, FAIL on wrong results whatever its speed,
// else judged against its bounds.
UnitVerdict JudgeUnit(const CheckSpec& check, const UnitData& u, const Peers& peers, const FleetStats& fleet) {
  UnitVerdict v;
  if (!u.skipped.empty() || u.values.empty()) {
    v.verdict = Verdict::kSkipped;
    v.reason = fmt::format("{}: skipped: {}", check.name, u.skipped.empty() ? "nothing measured" : u.skipped);
    v.plain = fmt::format("{}: not measured ({})", check.name, u.skipped.empty() ? "nothing measured" : u.skipped);
    v.failure = Failure::kNotMeasured;
    return v;
  }
  v.rounds = static_cast<int>(u.values.size());
  v.value = Median(u.values);
  v.model = u.model;
  v.model_how = u.model_how;
  if (!u.ignored_injection.empty()) {
    v.verdict = Verdict::kFail;
    v.reason = fmt::format("{}: self-test failed: {}", check.name, u.ignored_injection);
    v.plain = fmt::format("{}: SELF-TEST FAILED: {}; a defect of clusterbench, not of this node", check.name,
                          u.ignored_injection);
    v.failure = Failure::kSelfTest;
    return v;
  }
  if (u.wrong > 0) {
    v.verdict = Verdict::kFail;
    v.reason =
        fmt::format("{}: wrong results: {} of {} checked elements failed verification", check.name, u.wrong, u.checked);
    v.plain = fmt::format(
        "{}: WRONG RESULTS: the computation gave {} wrong value(s) of {} checked; a correctness "
        "failure whatever its speed",
        check.name, u.wrong, u.checked);
    v.failure = Failure::kWrong;
    return v;
  }
  if (check.thresholds.fraction_of_model && !(u.model > 0)) {
    // Nothing to hold the unit against: not a pass, not a failure.
    v.verdict = Verdict::kSkipped;
    v.reason = fmt::format("{}: skipped: no model figure: {}", check.name, u.model_how);
    v.plain = fmt::format("{}: not judged (the model has no figure for it: {})", check.name, u.model_how);
    v.failure = Failure::kNotMeasured;
    return v;
  }
  JudgeAgainst(check, u, BoundsOf(check, u, v.value, peers, fleet), &v);
  return v;
}

}  // namespace

std::vector<UnitVerdict> Judge(const CheckSpec& check, const std::vector<UnitData>& units) {
  const Peers peers = PeersOf(units);
  const FleetStats fleet = ComputeFleetStats(peers.bests, check.thresholds);
  std::vector<UnitVerdict> out;
  out.reserve(units.size());
  for (const auto& u : units) out.push_back(JudgeUnit(check, u, peers, fleet));
  return out;
}

void ValidateThresholds(const CheckSpec& check, const std::string& where) {
  const Thresholds& t = check.thresholds;
  auto fail = [&](const std::string& what) {
    throw ConfigError(fmt::format("{}: check '{}': contradictory thresholds: {}", where, check.name, what));
  };
  if (t.relative >= 1) {
    fail(fmt::format("threshold.relative {} >= 1 accepts a device that delivers nothing", t.relative));
  }
  if (t.fraction_of_spec) {
    if (!check.spec) fail("threshold.fraction_of_spec needs a nameplate figure: set the suite's gpu");
    if (*t.fraction_of_spec > 1)
      fail(fmt::format("threshold.fraction_of_spec {} > 1 exceeds the nameplate", *t.fraction_of_spec));
  }
  if (t.absolute && check.spec && *t.absolute > *check.spec) {
    fail(fmt::format("threshold.absolute {} is above the nameplate {}: no device can pass",
                     FormatQuantity(*t.absolute, check.dimension), FormatQuantity(*check.spec, check.dimension)));
  }
  if (check.repeats < 1) fail("repeats must be at least 1");
}

}  // namespace cb::acc
