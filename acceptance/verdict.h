// Verdicts: how one check's measurements become PASS, WARN, FAIL or SKIPPED
// for every unit it measured (a device, a node, or a collective group), and
// how units roll up to ranks, nodes and the cluster. Pure functions: no
// measurement, no communication, so every rule is unit-tested.
//
// A unit's measurement round r gives a value v_r (higher is better: FLOP/s,
// B/s). Each round is held against every bound that applies:
//   absolute   v_r >= A
//   spec       v_r >= f * S            (S: the suite GPU's nameplate figure)
//   model      v_r >= g * E            (E: what a model expects of this unit:
//                                       the simulator's collective model on the
//                                       suite's cluster, or a calibration
//                                       profile; given by the caller per unit)
//   relative   v_r >= (1 - x) * B      (B: the best value among the unit's
//                                       peers: the devices of its node, or the
//                                       fleet's nodes / groups)
//   outlier    v_r >= M - max(k * 1.4826 * MAD, d * M)
//              (M, MAD: median and median absolute deviation of the fleet's
//              values, one per unit; 1.4826 * MAD estimates the standard
//              deviation of normal data; only with at least 3 units)
// where a unit's value (for the fleet statistics, the peers' best and the
// reports) is the median of its rounds. A unit
// fails the check when at least `repeats` of its rounds miss a bound (the
// runner measures a missing unit again until it passes or has `repeats`
// misses); a failure is a FAIL for severity critical, a WARN for warn. Wrong
// results (a verification that failed) are a FAIL whatever the severity.
//
// Roll-up: a rank's verdict is the worst of its units' verdicts over all
// checks, a node's the worst of its ranks', the cluster's the worst of all,
// with SKIPPED counting only when nothing else was judged (then the cluster is
// UNKNOWN). Exit codes: 0 PASS, 1 WARN, 2 FAIL (CRITICAL), 3 UNKNOWN.
#ifndef CLUSTERBENCH_ACCEPTANCE_VERDICT_H_
#define CLUSTERBENCH_ACCEPTANCE_VERDICT_H_

#include <optional>
#include <string>
#include <vector>

#include "core/units.h"

namespace cb::acc {

// Ordered from least to most severe; SKIPPED is below PASS so that the worst
// of {PASS, SKIPPED} is PASS.
enum class Verdict { kSkipped = 0, kPass = 1, kWarn = 2, kFail = 3 };
const char* VerdictName(Verdict v);  // PASS, WARN, FAIL, SKIPPED
Verdict Worst(Verdict a, Verdict b);

enum class Severity { kWarn, kCritical };
const char* SeverityName(Severity s);

// The cluster's status and exit code: OK 0, WARN 1, CRITICAL 2, UNKNOWN 3.
struct Status {
  std::string name;
  int exit_code = 3;
};
// `verdicts`: every unit verdict of the run. All SKIPPED (or none) is UNKNOWN.
Status ClusterStatus(const std::vector<Verdict>& verdicts);

struct Thresholds {
  std::optional<double> absolute;           // SI units of the metric
  std::optional<double> fraction_of_spec;   // of `spec`
  std::optional<double> fraction_of_model;  // of each unit's UnitData::model
  double relative = 0.1;                    // fraction below the peers' best
  double outlier_mads = 5;                  // 0: no outlier test
  double outlier_min_deviation = 0.05;      // fraction of the median
};

// Robust statistics of the fleet (one value per unit).
inline constexpr double kMadToSigma = 1.4826;
struct FleetStats {
  int count = 0;
  double median = 0;
  double mad = 0;        // median of |v - median|
  double best = 0;       // max
  double outlier_floor;  // median - max(k * 1.4826 * mad, d * median); -inf when count < 3 or k == 0
};
FleetStats ComputeFleetStats(const std::vector<double>& values, const Thresholds& t);

// One unit of one check, as measured.
struct UnitData {
  std::string label;           // "rank 2 (node-a, cpu)", "group 1 (ranks 0, 2)"
  std::string peer_group;      // units with equal peer_group share the relative reference
  std::vector<double> values;  // one per measurement round, SI; empty when skipped
  int64_t checked = 0, wrong = 0;
  std::string skipped;  // non-empty: not measured, and why
  // Non-empty: the unit was measured under a `validate --inject` self-test
  // that its results do not show, and how (acceptance/inject.h
  // IgnoredInjection); the unit FAILs with it whatever its figures.
  std::string ignored_injection;
  // threshold.fraction_of_model: what the model expects of this unit (SI; 0:
  // no figure, then `model_how` says why) and how it was derived.
  double model = 0;
  std::string model_how;
};

struct CheckSpec {
  std::string name;  // check name, quoted in reasons
  Dimension dimension = Dimension::kBandwidth;
  Thresholds thresholds;
  std::optional<double> spec;  // nameplate figure for fraction_of_spec
  int repeats = 1;
  Severity severity = Severity::kCritical;
};

// Why a unit did not pass, as a class a reader can act on. Each has a plain
// description and a next step in one table (verdict.cc kFailureAdvice).
enum class Failure {
  kNone = 0,
  kSlow,         // measured below a bound
  kWrong,        // a verification failed: correctness, not speed
  kNotMeasured,  // SKIPPED: no device, no backend, interrupted, ...
  kGpuCount,     // health: fewer GPUs than expected
  kGpuErrors,    // health: ECC errors or retired pages
  kThrottle,     // health: clocks throttled (GPU reasons, CPU thermal counts)
  kPcie,         // health: a PCIe link trained below its maximum or the suite's minimum
  kNic,          // health: a NIC port down, slow, or missing
  kHost,         // health: CPU count or memory below the suite's minimum
  kSelfTest,     // a benchmark ignored a --inject self-test: clusterbench's defect, not the node's
};
const char* FailureName(Failure f);  // slow, wrong-results, not-measured, gpu-count, ...
struct FailureAdvice {
  Failure failure;
  const char* name;       // FailureName
  const char* title;      // "slower than required"
  const char* next_step;  // what to do, with the commands
};
const FailureAdvice& AdviceFor(Failure f);

struct UnitVerdict {
  Verdict verdict = Verdict::kSkipped;
  double value = 0;     // the median of its rounds
  double expected = 0;  // the highest bound (what the unit had to reach); 0 when none
  std::string bound;    // which bound that is: absolute, spec, model, relative, outlier
  // fraction_of_model: the model's figure for the unit and how it was
  // derived (UnitData), and value / model (0 when no figure).
  double model = 0;
  std::string model_how;
  double model_ratio() const { return model > 0 ? value / model : 0; }
  int rounds = 0, missed_rounds = 0;
  bool needs_more = false;  // the latest round missed, fewer than `repeats` so far: measure again
  std::string reason;       // why (FAIL, WARN, SKIPPED); a note for a PASS with low rounds; else empty
  // Not PASS: the reason in plain words (the statistics stay in `reason`), and its class.
  std::string plain;
  Failure failure = Failure::kNone;
};

// Judges every unit of one check (see the header comment). Deterministic.
std::vector<UnitVerdict> Judge(const CheckSpec& check, const std::vector<UnitData>& units);

// Throws ConfigError("<where>: check '<name>': ...") for thresholds that
// contradict each other or cannot be met: relative >= 1 (accepts nothing
// measured as a failure), fraction_of_spec without a spec figure, an absolute
// bound above the nameplate figure (no device can pass), fraction_of_spec > 1.
void ValidateThresholds(const CheckSpec& check, const std::string& where);

}  // namespace cb::acc

#endif  // CLUSTERBENCH_ACCEPTANCE_VERDICT_H_
