// 8-bit floating point in software (OCP 8-bit Floating Point Specification
// (OFP8) v1.0, 2023; the formats NCCL >= 2.24 calls ncclFloat8e4m3 and
// ncclFloat8e5m2 and nccl-tests -d f8e4m3 / f8e5m2):
//
//   E4M3: sign, 4 exponent bits (bias 7), 3 mantissa bits. No infinities;
//         S.1111.111 is the only NaN, so the largest finite value is
//         S.1111.110 = 1.75 x 2^8 = 448. Smallest subnormal 2^-9.
//   E5M2: sign, 5 exponent bits (bias 15), 2 mantissa bits, IEEE 754-like:
//         exponent 11111 is inf (mantissa 0) or NaN. Largest finite
//         1.75 x 2^15 = 57344. Smallest subnormal 2^-16.
//
// Encoding rounds to nearest, ties to even, from a double (one rounding, so
// no double-rounding through float). Out of range, without saturation (the
// OCP non-saturating mode): E4M3 gives NaN, E5M2 gives inf. NaN in gives the
// NaN pattern S.1111.111 in both formats.
//
// The collectives use these for the reference results and the loopback and
// MPI reductions, so a check of an fp8 collective compares bytes the GPU
// wrote with values computed here.
#ifndef CLUSTERBENCH_COLLECTIVES_FP8_H_
#define CLUSTERBENCH_COLLECTIVES_FP8_H_

#include <cstdint>

namespace cb::coll {

uint8_t EncodeE4m3(double v);
double DecodeE4m3(uint8_t bits);
uint8_t EncodeE5m2(double v);
double DecodeE5m2(uint8_t bits);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_FP8_H_
