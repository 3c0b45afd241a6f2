#include "core/units.h"

#include <fmt/format.h>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include "core/error.h"

namespace cb {
namespace {

struct Prefix {
  std::string_view text;
  double factor;
};

// Longest first so "Ki" wins over "K".
constexpr Prefix kBinaryPrefixes[] = {
    {"Ki", 1024.0},          {"Mi", 1048576.0},          {"Gi", 1073741824.0},
    {"Ti", 1099511627776.0}, {"Pi", 1125899906842624.0}, {"Ei", 1152921504606846976.0}};
constexpr Prefix kDecimalPrefixes[] = {{"k", 1e3},  {"K", 1e3},  {"M", 1e6}, {"G", 1e9},
                                       {"T", 1e12}, {"P", 1e15}, {"E", 1e18}};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "1.5ms" into 1.5 and "ms". Returns false if there is no leading number.
bool SplitNumber(std::string_view s, double* number, std::string_view* unit) {
  // std::from_chars for double is available in GCC 11+.
  const char* begin = s.data();
  const char* end = s.data() + s.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, *number);
  if (ec != std::errc()) return false;
  *unit = Trim(std::string_view(ptr, static_cast<size_t>(end - ptr)));
  return std::isfinite(*number);
}

// Strips a metric/binary prefix from `unit` when what follows is `base`.
// Returns the multiplier, or nullopt if `unit` is not [prefix]base.
std::optional<double> MatchPrefixed(std::string_view unit, std::string_view base, bool allow_binary) {
  if (unit == base) return 1.0;
  if (unit.size() <= base.size() || unit.substr(unit.size() - base.size()) != base) return std::nullopt;
  std::string_view prefix = unit.substr(0, unit.size() - base.size());
  if (allow_binary) {
    for (const auto& p : kBinaryPrefixes) {
      if (prefix == p.text) return p.factor;
    }
  }
  for (const auto& p : kDecimalPrefixes) {
    if (prefix == p.text) return p.factor;
  }
  return std::nullopt;
}

std::optional<double> MatchAny(std::string_view unit, std::initializer_list<std::pair<std::string_view, double>> bases,
                               bool allow_binary) {
  for (const auto& [base, scale] : bases) {
    if (auto f = MatchPrefixed(unit, base, allow_binary)) return *f * scale;
  }
  return std::nullopt;
}

std::optional<double> UnitFactor(std::string_view unit, Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      if (unit == "%") return 0.01;
      return std::nullopt;
    case Dimension::kBytes:
      return MatchAny(unit, {{"B", 1.0}, {"b", 0.125}, {"bytes", 1.0}, {"bits", 0.125}}, true);
    case Dimension::kBandwidth:
      return MatchAny(unit, {{"B/s", 1.0}, {"b/s", 0.125}, {"bps", 0.125}, {"Bps", 1.0}}, true);
    case Dimension::kFlopRate:
      return MatchAny(unit, {{"FLOPS", 1.0}, {"FLOP/s", 1.0}, {"flops", 1.0}, {"flop/s", 1.0}}, false);
    case Dimension::kTime:
      if (unit == "s" || unit == "sec") return 1.0;
      if (unit == "ms") return 1e-3;
      if (unit == "us" || unit == "µs") return 1e-6;
      if (unit == "ns") return 1e-9;
      if (unit == "min") return 60.0;
      if (unit == "h") return 3600.0;
      if (unit == "d" || unit == "days") return 86400.0;
      return std::nullopt;
    case Dimension::kPower:
      return MatchAny(unit, {{"W", 1.0}}, false);
    case Dimension::kFrequency:
      return MatchAny(unit, {{"Hz", 1.0}}, false);
    case Dimension::kEnergy:
      return MatchAny(unit, {{"J", 1.0}, {"Wh", 3600.0}}, false);
    case Dimension::kMoney:
      if (unit == "USD" || unit == "$") return 1.0;
      return std::nullopt;
  }
  return std::nullopt;
}

const char* UnitExamples(Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      return "a plain number or a percentage such as 50%";
    case Dimension::kBytes:
      return "B, KB, MB, GB, TB, KiB, MiB, GiB, TiB, or bits (Gb)";
    case Dimension::kBandwidth:
      return "B/s, GB/s, GiB/s, Gb/s, Gbps";
    case Dimension::kFlopRate:
      return "FLOPS, GFLOPS, TFLOPS, PFLOPS (or TFLOP/s)";
    case Dimension::kTime:
      return "s, ms, us, ns, min, h, d";
    case Dimension::kPower:
      return "W, kW, MW";
    case Dimension::kFrequency:
      return "Hz, MHz, GHz";
    case Dimension::kEnergy:
      return "J, kJ, Wh, kWh, MWh";
    case Dimension::kMoney:
      return "a number in USD, optionally with a leading $";
  }
  return "";
}

// number x factor, where `number` was read from `number_text`. A factor that is
// a power of ten (us, ms, ns, %, k, M, G) is applied in decimal: "5" and 1e-6
// read as "5e-6", the double nearest 5 µs (5 * 1e-6 is 4.9999999999999996e-06),
// so the value prints back as written.
double ScaleExactly(std::string_view number_text, double number, double factor) {
  number_text = Trim(number_text);
  const int exponent = static_cast<int>(std::lround(std::log10(factor)));
  if (std::pow(10.0, exponent) != factor || number_text.find_first_of("eE") != std::string_view::npos) {
    return number * factor;
  }
  const std::string decimal = fmt::format("{}e{}", number_text, exponent);
  double exact = 0;
  auto [ptr, ec] =
      std::from_chars(decimal.data() + (decimal.front() == '+' ? 1 : 0), decimal.data() + decimal.size(), exact);
  return ec == std::errc() && ptr == decimal.data() + decimal.size() ? exact : number * factor;
}

}  // namespace

const char* DimensionName(Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      return "number";
    case Dimension::kBytes:
      return "bytes";
    case Dimension::kBandwidth:
      return "bandwidth";
    case Dimension::kFlopRate:
      return "flop-rate";
    case Dimension::kTime:
      return "time";
    case Dimension::kPower:
      return "power";
    case Dimension::kFrequency:
      return "frequency";
    case Dimension::kEnergy:
      return "energy";
    case Dimension::kMoney:
      return "money";
  }
  return "?";
}

const char* SiUnit(Dimension d) {
  switch (d) {
    case Dimension::kDimensionless:
      return "1";
    case Dimension::kBytes:
      return "B";
    case Dimension::kBandwidth:
      return "B/s";
    case Dimension::kFlopRate:
      return "FLOP/s";
    case Dimension::kTime:
      return "s";
    case Dimension::kPower:
      return "W";
    case Dimension::kFrequency:
      return "Hz";
    case Dimension::kEnergy:
      return "J";
    case Dimension::kMoney:
      return "USD";
  }
  return "?";
}

std::optional<double> ParseQuantity(std::string_view text, Dimension d, std::string* why) {
  std::string_view s = Trim(text);
  if (d == Dimension::kMoney && !s.empty() && s.front() == '$') s.remove_prefix(1);
  double number = 0;
  std::string_view unit;
  if (s.empty() || !SplitNumber(s, &number, &unit)) {
    if (why)
      *why =
          fmt::format("'{}' is not a {} (expected a number with a unit: {})", text, DimensionName(d), UnitExamples(d));
    return std::nullopt;
  }
  if (unit.empty()) return number;
  auto factor = UnitFactor(unit, d);
  if (!factor) {
    if (why)
      *why = fmt::format("unknown unit '{}' in '{}' for a {} (expected {})", unit, text, DimensionName(d),
                         UnitExamples(d));
    return std::nullopt;
  }
  return ScaleExactly(s.substr(0, static_cast<size_t>(unit.data() - s.data())), number, *factor);
}

double ParseQuantityOrThrow(std::string_view text, Dimension d, std::string_view where) {
  std::string why;
  auto v = ParseQuantity(text, d, &why);
  if (!v) throw ConfigError(fmt::format("{}: {}", where, why));
  return *v;
}

std::optional<double> ParseSize(std::string_view text, std::string* why, double max_bytes) {
  std::string_view s = Trim(text);
  double number = 0;
  std::string_view unit;
  if (s.empty() || !SplitNumber(s, &number, &unit)) {
    if (why) *why = fmt::format("'{}' is not a size (expected a number with an optional K, M, G or T suffix)", text);
    return std::nullopt;
  }
  double factor = 1;
  if (unit.empty()) {
    factor = 1;
  } else if (unit == "K" || unit == "k") {
    factor = 1024.0;
  } else if (unit == "M") {
    factor = 1048576.0;
  } else if (unit == "G") {
    factor = 1073741824.0;
  } else if (unit == "T") {
    factor = 1099511627776.0;
  } else if (auto f = UnitFactor(unit, Dimension::kBytes)) {
    factor = *f;
  } else {
    if (why) *why = fmt::format("unknown size suffix '{}' in '{}' (expected K, M, G, T or a byte unit)", unit, text);
    return std::nullopt;
  }
  double v = number * factor;
  if (v < 0) {
    if (why) *why = fmt::format("size '{}' is negative", text);
    return std::nullopt;
  }
  if (!(v <= max_bytes)) {
    if (why) {
      *why = fmt::format("size '{}' is too large: at most {} ({:.0f} bytes)", text, FormatBytes(max_bytes), max_bytes);
    }
    return std::nullopt;
  }
  return v;
}

std::string FormatQuantity(double value, Dimension d, int significant) {
  if (d == Dimension::kBytes) return FormatBytes(value);
  if (d == Dimension::kTime) {
    double a = std::fabs(value);
    if (a != 0 && a < 1e-6) return fmt::format("{:.{}g} ns", value * 1e9, significant);
    if (a != 0 && a < 1e-3) return fmt::format("{:.{}g} us", value * 1e6, significant);
    if (a != 0 && a < 1) return fmt::format("{:.{}g} ms", value * 1e3, significant);
    return fmt::format("{:.{}g} s", value, significant);
  }
  std::string unit = SiUnit(d);
  if (d == Dimension::kDimensionless) return fmt::format("{:.{}g}", value, significant);
  if (d == Dimension::kMoney) return fmt::format("${:.2f}", value);
  static const std::pair<double, const char*> kScales[] = {{1e18, "E"}, {1e15, "P"}, {1e12, "T"},
                                                           {1e9, "G"},  {1e6, "M"},  {1e3, "k"}};
  for (const auto& [scale, prefix] : kScales) {
    if (std::fabs(value) >= scale) return fmt::format("{:.{}g} {}{}", value / scale, significant, prefix, unit);
  }
  return fmt::format("{:.{}g} {}", value, significant, unit);
}

std::string FormatNumber(double v) {
  if (v == std::floor(v) && std::fabs(v) < 1e12) return fmt::format("{:.0f}", v);
  return fmt::format("{:g}", v);
}

std::string FormatRoundTrip(double v) { return fmt::format("{}", v); }

std::string FormatBytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int i = 0;
  double v = bytes;
  while (std::fabs(v) >= 1024.0 && i < 6) {
    v /= 1024.0;
    ++i;
  }
  return i == 0 ? fmt::format("{:g} B", v) : fmt::format("{:.4g} {}", v, kUnits[i]);
}

}  // namespace cb
