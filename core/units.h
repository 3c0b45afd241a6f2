// One parser for every physical quantity in configs and on the command line.
//
// A quantity is a number followed by an optional unit: "400Gb/s", "50GB/s",
// "80GiB", "141GB", "989TFLOPS", "5us", "1.5ms", "700W". Values come back in SI
// base units: bytes, bytes/s, FLOP/s, seconds, watts, hertz. Decimal prefixes
// (k M G T P E) are powers of 1000, binary ones (Ki Mi Gi Ti Pi) powers of 1024;
// a lower-case "b" means bits (divided by 8), an upper-case "B" bytes. Byte
// sizes also accept the K/M/G shorthand nccl-tests uses ("8M" = 8 MiB) only where
// a caller asks for it (ParseSize), because in configs "M" alone is ambiguous.
#ifndef CLUSTERBENCH_CORE_UNITS_H_
#define CLUSTERBENCH_CORE_UNITS_H_

#include <optional>
#include <string>
#include <string_view>

namespace cb {

enum class Dimension {
  kDimensionless,  // plain number, optional "%" (divided by 100)
  kBytes,          // B, KB, KiB, ..., b (bits)
  kBandwidth,      // B/s, GB/s, Gb/s, Gbps, GiB/s
  kFlopRate,       // FLOPS, TFLOPS, TFLOP/s
  kTime,           // s, ms, us, µs, ns, min, h, d
  kPower,          // W, kW, MW
  kFrequency,      // Hz, MHz, GHz
  kEnergy,         // J, kWh, MWh
  kMoney,          // plain number in the config's currency (USD): "$2.50" accepted
};

const char* DimensionName(Dimension d);  // "bytes", "bandwidth", ...
const char* SiUnit(Dimension d);         // "B", "B/s", "FLOP/s", "s", "W", "Hz", "J", "USD", "1"

// Parses `text` as a quantity of dimension `d`. A bare number is taken to be
// in SI base units already. Returns nullopt and fills *why on failure.
std::optional<double> ParseQuantity(std::string_view text, Dimension d, std::string* why);

// Same, throwing cb::ConfigError("<where>: ...") on failure.
double ParseQuantityOrThrow(std::string_view text, Dimension d, std::string_view where);

// The largest size ParseSize accepts unless told otherwise: 1 EiB (2^60
// bytes). Far above any memory, and far enough below 2^63 that the value
// converts to int64_t and size_t exactly and sums of two sizes cannot wrap.
inline constexpr double kMaxSizeBytes = 1152921504606846976.0;

// Byte sizes as nccl-tests writes them: "8", "1K", "64M", "1G" (binary
// multiples), also any form ParseQuantity accepts for kBytes. Must be >= 0
// and <= `max_bytes`; a larger value (18446744073709551616, which would wrap
// to 0 as a 64-bit integer) is refused with the maximum in *why. This is the
// one parser of size flags: every caller gets the same bounds check.
std::optional<double> ParseSize(std::string_view text, std::string* why, double max_bytes = kMaxSizeBytes);

// Human formatting: FormatQuantity(50e9, kBandwidth) == "50 GB/s";
// FormatBytes(80 * 2^30) == "80 GiB" (binary for sizes, decimal for rates).
std::string FormatQuantity(double value, Dimension d, int significant = 4);
std::string FormatBytes(double bytes);
// A plain number for messages: whole values in full (16777216, not
// 1.67772e+07), others as %g.
std::string FormatNumber(double v);
// The shortest text that reads back as exactly v: 0.3 (not 0.29999999999999999),
// 3e-06, 3350000000000, 1e+20. For every value a program may read again (YAML
// documents, the effective configuration); JSON (nlohmann) and fmt's "{}" are
// shortest already.
std::string FormatRoundTrip(double v);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_UNITS_H_
