#include "acceptance/inject.h"

#include <fmt/format.h>

#include <sstream>
#include <stdexcept>

#include "core/error.h"
#include "core/injection.h"

namespace cb::acc {
namespace {

// The share of throughput an injection takes away: a number in (0, 1).
double InjectedFraction(const std::string& text, const std::string& field, const char* form) {
  double f = 0;
  try {
    size_t pos = 0;
    f = std::stod(field, &pos);
    if (pos != field.size()) throw std::invalid_argument("fraction");
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--inject {}: expected {} with FRACTION a number in (0, 1)", text, form));
  }
  if (!(f > 0 && f < 1)) {
    throw UsageError(fmt::format("--inject {}: FRACTION must be in (0, 1): the share of throughput taken away", text));
  }
  return f;
}

int InjectedRank(const std::string& text, const std::string& field, const char* form) {
  try {
    size_t pos = 0;
    const int r = std::stoi(field, &pos);
    if (pos == field.size() && r >= 0) return r;
  } catch (const std::exception&) {
  }
  throw UsageError(fmt::format("--inject {}: expected {} with RANK a rank of the job (0, 1, ...)", text, form));
}

// slowlink:A:B:FRACTION and slownic:RANK:FRACTION (acceptance/fabric.h).
bool ParseFabricInjection(const std::string& text, FabricInjections* inj) {
  std::vector<std::string> f;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ':');) f.push_back(part);
  const std::optional<InjectionKind> kind = f.empty() ? std::nullopt : FindInjectionKind(f[0]);
  if (kind != InjectionKind::kSlowLink && kind != InjectionKind::kSlowNic) return false;
  if (kind == InjectionKind::kSlowLink) {
    constexpr const char* kForm = "slowlink:A:B:FRACTION";
    if (f.size() != 4) throw UsageError(fmt::format("--inject {}: expected {}", text, kForm));
    FabricInjections::Link l{InjectedRank(text, f[1], kForm), InjectedRank(text, f[2], kForm),
                             InjectedFraction(text, f[3], kForm)};
    if (l.a == l.b) throw UsageError(fmt::format("--inject {}: a link joins two different ranks", text));
    inj->links.push_back(l);
  } else {
    constexpr const char* kForm = "slownic:RANK:FRACTION";
    if (f.size() != 3) throw UsageError(fmt::format("--inject {}: expected {}", text, kForm));
    inj->nics.push_back({InjectedRank(text, f[1], kForm), InjectedFraction(text, f[2], kForm)});
  }
  return true;
}

}  // namespace

std::string IgnoredInjection(const Check& c, const std::vector<Round>& rounds, bool corrupt, double throttle) {
  int counted = 0, clean = 0, unthrottled = 0;
  int64_t checked = 0;
  double seen = 0;  // a throttle an unthrottled round carried
  for (const Round& r : rounds) {
    if (r.samples <= 0 || r.interrupted) continue;
    ++counted;
    checked += r.checked;
    clean += r.wrong == 0;
    if (throttle > 0 && r.throttle != throttle) {
      ++unthrottled;
      seen = r.throttle;
    }
  }
  std::string out;
  if (corrupt && clean > 0) {
    out = fmt::format(
        "{} ignores --inject corrupt: its check saw no corrupted element in {} of {} round(s) ({} element(s) "
        "checked); the benchmark must perturb one output element before its check (MeasureOptions::corrupt_output)",
        c.benchmark, clean, counted, checked);
  }
  if (unthrottled > 0) {
    out += fmt::format(
        "{}{} ignores --inject slow: {} of {} round(s) were measured with throttle {:g}, not {:g}; the benchmark must "
        "measure through the harness, which applies MeasureOptions::throttle (kernels/harness.h)",
        out.empty() ? "" : "; ", c.benchmark, unthrottled, counted, seen, throttle);
  }
  return out;
}

void ParseInjections(const std::vector<std::string>& injects, RunOptions* ro) {
  for (const auto& text : injects) {
    if (ParseFabricInjection(text, &ro->fabric_injections)) continue;
    using K = InjectionKind;
    // slowlink and slownic were read above (ParseFabricInjection); they are listed for the error.
    const Injection inj = ParseInjection(text, {K::kSlow, K::kCorrupt, K::kSlowLink, K::kSlowNic},
                                         /*fraction_below_one=*/true);
    if (inj.kind == K::kCorrupt) {
      ro->corrupt_rank = inj.rank;
    } else {
      ro->slow_rank = inj.rank;
      ro->slow_fraction = inj.fraction;
    }
  }
}

}  // namespace cb::acc
