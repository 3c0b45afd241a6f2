// fp8 encodings (collectives/fp8.h) against the OCP 8-bit floating point
// specification (OFP8 v1.0): known bit patterns, the largest values, NaN and
// infinity, subnormals, and round-to-nearest-even ties.
#include "collectives/fp8.h"

#include <gtest/gtest.h>

#include <cmath>

#include "collectives/datatype.h"

namespace cb::coll {
namespace {

TEST(Fp8, E4m3KnownEncodings) {
  EXPECT_EQ(EncodeE4m3(0.0), 0x00);
  EXPECT_EQ(EncodeE4m3(-0.0), 0x80);
  EXPECT_EQ(EncodeE4m3(1.0), 0x38);    // exponent 7 (bias 7), mantissa 0
  EXPECT_EQ(EncodeE4m3(-2.0), 0xc0);   // sign, exponent 8
  EXPECT_EQ(EncodeE4m3(448.0), 0x7e);  // S.1111.110: the largest finite value
  EXPECT_EQ(EncodeE4m3(-448.0), 0xfe);
  EXPECT_EQ(EncodeE4m3(0.015625), 0x08);             // 2^-6, the smallest normal
  EXPECT_EQ(EncodeE4m3(std::ldexp(1.0, -9)), 0x01);  // the smallest subnormal
  EXPECT_EQ(EncodeE4m3(std::ldexp(7.0, -9)), 0x07);  // the largest subnormal
  for (int b = 0; b < 256; ++b) {
    if ((b & 0x7f) == 0x7f) continue;  // NaN
    SCOPED_TRACE(b);
    EXPECT_EQ(EncodeE4m3(DecodeE4m3(static_cast<uint8_t>(b))), b);  // every finite pattern round-trips
  }
}

TEST(Fp8, E4m3HasNoInfinity) {
  EXPECT_TRUE(std::isnan(DecodeE4m3(0x7f)));
  EXPECT_TRUE(std::isnan(DecodeE4m3(0xff)));
  EXPECT_EQ(DecodeE4m3(0x7e), 448.0);
  EXPECT_EQ(DecodeE4m3(0x78), 256.0);  // exponent 1111 holds finite values
  EXPECT_EQ(EncodeE4m3(std::nan("")) & 0x7f, 0x7f);
  EXPECT_EQ(EncodeE4m3(INFINITY), 0x7f);  // no inf: NaN (non-saturating mode)
  EXPECT_EQ(EncodeE4m3(-INFINITY), 0xff);
  // 464 lies halfway between 448 (mantissa 110) and 480 (111, which would be
  // the NaN pattern): even wins, 448. Above, overflow: NaN.
  EXPECT_EQ(EncodeE4m3(464.0), 0x7e);
  EXPECT_EQ(EncodeE4m3(465.0), 0x7f);
  EXPECT_EQ(EncodeE4m3(1e6), 0x7f);
}

TEST(Fp8, E5m2KnownEncodings) {
  EXPECT_EQ(EncodeE5m2(1.0), 0x3c);      // exponent 15 (bias 15)
  EXPECT_EQ(EncodeE5m2(57344.0), 0x7b);  // 1.75 x 2^15, the largest finite value
  EXPECT_EQ(EncodeE5m2(-57344.0), 0xfb);
  EXPECT_EQ(EncodeE5m2(std::ldexp(1.0, -14)), 0x04);  // the smallest normal
  EXPECT_EQ(EncodeE5m2(std::ldexp(1.0, -16)), 0x01);  // the smallest subnormal
  EXPECT_EQ(EncodeE5m2(std::ldexp(3.0, -16)), 0x03);  // the largest subnormal
  EXPECT_EQ(DecodeE5m2(0x7c), INFINITY);
  EXPECT_EQ(DecodeE5m2(0xfc), -INFINITY);
  for (uint8_t b : {0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff}) EXPECT_TRUE(std::isnan(DecodeE5m2(b))) << int{b};
  EXPECT_EQ(EncodeE5m2(INFINITY), 0x7c);
  EXPECT_EQ(EncodeE5m2(std::nan("")) & 0x7f, 0x7f);
  for (int b = 0; b < 256; ++b) {
    if ((b & 0x7f) > 0x7c) continue;  // NaN
    SCOPED_TRACE(b);
    EXPECT_EQ(EncodeE5m2(DecodeE5m2(static_cast<uint8_t>(b))), b);
  }
  // IEEE overflow: 61440 is halfway between 57344 (mantissa 11) and 2^16
  // (which is inf): even wins, inf. Just below, the largest finite value.
  EXPECT_EQ(EncodeE5m2(61439.0), 0x7b);
  EXPECT_EQ(EncodeE5m2(61440.0), 0x7c);
}

TEST(Fp8, RoundsToNearestEven) {
  // E4M3 between 1 (0x38) and 1.125 (0x39): 1.0625 is the tie -> 1 (even
  // mantissa); just above goes up.
  EXPECT_EQ(EncodeE4m3(1.0625), 0x38);
  EXPECT_EQ(EncodeE4m3(1.0626), 0x39);
  // 1.1875 is the tie between 1.125 (odd) and 1.25 (even) -> 1.25.
  EXPECT_EQ(EncodeE4m3(1.1875), 0x3a);
  // Integers: 17 lies between 16 and 18 -> 16 (even); 19 -> 20.
  EXPECT_EQ(DecodeE4m3(EncodeE4m3(17)), 16);
  EXPECT_EQ(DecodeE4m3(EncodeE4m3(19)), 20);
  // E5M2: 9 between 8 and 10 -> 8; 11 between 10 (odd) and 12 -> 12.
  EXPECT_EQ(DecodeE5m2(EncodeE5m2(9)), 8);
  EXPECT_EQ(DecodeE5m2(EncodeE5m2(11)), 12);
  // Subnormal ties: half the smallest E4M3 subnormal rounds to zero (even),
  // one and a half of it to two.
  EXPECT_EQ(EncodeE4m3(std::ldexp(1.0, -10)), 0x00);
  EXPECT_EQ(EncodeE4m3(std::ldexp(3.0, -10)), 0x02);
  // The largest subnormal plus half a step rounds up into the normals.
  EXPECT_EQ(EncodeE4m3(std::ldexp(7.5, -9)), 0x08);
  // Below half the smallest subnormal: signed zero.
  EXPECT_EQ(EncodeE5m2(-std::ldexp(1.0, -20)), 0x80);
}

TEST(Fp8, BuffersHoldFp8) {
  unsigned char buf[4] = {};
  Store(buf, DataType::kF8e4m3, 1, 448);
  EXPECT_EQ(buf[1], 0x7e);
  Store(buf, DataType::kF8e5m2, 2, 57344);
  EXPECT_EQ(buf[2], 0x7b);
  EXPECT_EQ(Load(buf, DataType::kF8e4m3, 1), 448);
  EXPECT_EQ(WrapToType(97, DataType::kF8e4m3), 96);
  EXPECT_EQ(SizeOf(DataType::kF8e5m2), 1u);
  EXPECT_EQ(ParseDataType("f8e4m3"), DataType::kF8e4m3);
  EXPECT_EQ(ParseDataType("f8e5m2"), DataType::kF8e5m2);
  EXPECT_STREQ(Name(DataType::kF8e5m2), "f8e5m2");
  // nccl-tests' -d all order: ..., bfloat16, f8e4m3, f8e5m2.
  const std::vector<DataType> all = AllDataTypes();
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all[9], DataType::kBfloat16);
  EXPECT_EQ(all[10], DataType::kF8e4m3);
  EXPECT_EQ(all[11], DataType::kF8e5m2);
}

}  // namespace
}  // namespace cb::coll
