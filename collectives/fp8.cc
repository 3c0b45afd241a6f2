#include "collectives/fp8.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cb::coll {
namespace {

struct Format {
  int exp_bits;
  int man_bits;
  int bias;
  bool ieee;  // E5M2: the all-ones exponent holds inf and NaN; E4M3: only S.1111.111 is NaN
};
constexpr Format kE4m3{4, 3, 7, false};
constexpr Format kE5m2{5, 2, 15, true};

uint8_t Encode(double v, const Format& f) {
  const uint8_t sign = std::signbit(v) ? 0x80 : 0;
  if (std::isnan(v)) return sign | 0x7f;
  const double a = std::fabs(v);
  const uint8_t overflow = f.ieee ? static_cast<uint8_t>(0x7c) : static_cast<uint8_t>(0x7f);  // inf / NaN
  if (std::isinf(a)) return sign | overflow;
  if (a == 0) return sign;
  const int emin = 1 - f.bias;  // exponent of the smallest normal
  int e = 0;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exp = std::max(e - 1, emin);
  // The spacing of representable values at this exponent (subnormals share
  // emin's); a / q is exact in double, and nearbyint rounds ties to even in
  // the default rounding mode.
  const double q = std::ldexp(1.0, exp - f.man_bits);
  double r = std::nearbyint(a / q);
  const double implicit = std::ldexp(1.0, f.man_bits);
  if (r >= 2 * implicit) {  // rounded up into the next binade
    r /= 2;
    ++exp;
  }
  int exp_field = 0;
  int man = static_cast<int>(r);
  if (r >= implicit) {
    exp_field = exp + f.bias;
    man -= static_cast<int>(implicit);
  }
  const int max_exp_field = (1 << f.exp_bits) - 1;
  if (f.ieee ? exp_field >= max_exp_field : exp_field > max_exp_field) return sign | overflow;
  const auto bits = static_cast<uint8_t>((exp_field << f.man_bits) | man);
  if (!f.ieee && bits == 0x7f) return sign | overflow;  // 480 would need the NaN pattern
  return sign | bits;
}

double Decode(uint8_t b, const Format& f) {
  const bool negative = (b & 0x80) != 0;
  const int exp_field = (b & 0x7f) >> f.man_bits;
  const int man = b & ((1 << f.man_bits) - 1);
  const int max_exp_field = (1 << f.exp_bits) - 1;
  double v;
  if (f.ieee && exp_field == max_exp_field) {
    v = man ? std::nan("") : INFINITY;
  } else if (!f.ieee && (b & 0x7f) == 0x7f) {
    v = std::nan("");
  } else if (exp_field == 0) {
    v = std::ldexp(static_cast<double>(man), 1 - f.bias - f.man_bits);
  } else {
    v = std::ldexp(static_cast<double>(man + (1 << f.man_bits)), exp_field - f.bias - f.man_bits);
  }
  return negative ? -v : v;
}

// Decoding is a lookup in a table of the 256 values (checks and reductions
// decode every element).
template <const Format& kFormat>
const double* DecodeTable() {
  static const std::vector<double> table = [] {
    std::vector<double> t(256);
    for (int b = 0; b < 256; ++b) t[static_cast<size_t>(b)] = Decode(static_cast<uint8_t>(b), kFormat);
    return t;
  }();
  return table.data();
}

}  // namespace

uint8_t EncodeE4m3(double v) { return Encode(v, kE4m3); }
double DecodeE4m3(uint8_t bits) { return DecodeTable<kE4m3>()[bits]; }
uint8_t EncodeE5m2(double v) { return Encode(v, kE5m2); }
double DecodeE5m2(uint8_t bits) { return DecodeTable<kE5m2>()[bits]; }

}  // namespace cb::coll
