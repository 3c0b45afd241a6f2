#include "core/units.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace cb {
namespace {

double Q(const char* text, Dimension d) {
  std::string why;
  auto v = ParseQuantity(text, d, &why);
  EXPECT_TRUE(v.has_value()) << text << ": " << why;
  return v.value_or(-1);
}

// Every example the configuration language promises, in SI base units.
TEST(Units, ParsesDocumentedExamples) {
  EXPECT_DOUBLE_EQ(Q("400Gb/s", Dimension::kBandwidth), 50e9);  // bits / 8
  EXPECT_DOUBLE_EQ(Q("50GB/s", Dimension::kBandwidth), 50e9);
  EXPECT_DOUBLE_EQ(Q("80GiB", Dimension::kBytes), 80.0 * 1024 * 1024 * 1024);
  EXPECT_DOUBLE_EQ(Q("141GB", Dimension::kBytes), 141e9);
  EXPECT_DOUBLE_EQ(Q("989TFLOPS", Dimension::kFlopRate), 989e12);
  EXPECT_DOUBLE_EQ(Q("5us", Dimension::kTime), 5e-6);
  EXPECT_DOUBLE_EQ(Q("1.5ms", Dimension::kTime), 1.5e-3);
  EXPECT_DOUBLE_EQ(Q("700W", Dimension::kPower), 700);
}

TEST(Units, AcceptsSpacesAndAlternativeSpellings) {
  EXPECT_DOUBLE_EQ(Q(" 400 Gbps ", Dimension::kBandwidth), 50e9);
  EXPECT_DOUBLE_EQ(Q("989 TFLOP/s", Dimension::kFlopRate), 989e12);
  EXPECT_DOUBLE_EQ(Q("2kW", Dimension::kPower), 2000);
  EXPECT_DOUBLE_EQ(Q("1.98GHz", Dimension::kFrequency), 1.98e9);
  EXPECT_DOUBLE_EQ(Q("1kWh", Dimension::kEnergy), 3.6e6);
  EXPECT_DOUBLE_EQ(Q("$2.50", Dimension::kMoney), 2.5);
  EXPECT_DOUBLE_EQ(Q("50%", Dimension::kDimensionless), 0.5);
  EXPECT_DOUBLE_EQ(Q("2h", Dimension::kTime), 7200);
}

TEST(Units, BareNumberIsSi) {
  EXPECT_DOUBLE_EQ(Q("1024", Dimension::kBytes), 1024);
  EXPECT_DOUBLE_EQ(Q("1e-6", Dimension::kTime), 1e-6);
}

TEST(Units, RejectsWrongDimensionAndGarbage) {
  std::string why;
  EXPECT_FALSE(ParseQuantity("5us", Dimension::kBandwidth, &why));
  EXPECT_NE(why.find("unknown unit 'us'"), std::string::npos) << why;
  EXPECT_FALSE(ParseQuantity("fast", Dimension::kTime, &why));
  EXPECT_NE(why.find("'fast' is not a time"), std::string::npos) << why;
  EXPECT_FALSE(ParseQuantity("", Dimension::kBytes, &why));
  EXPECT_FALSE(ParseQuantity("nanGB", Dimension::kBytes, &why));
  EXPECT_FALSE(ParseQuantity("10 GFLOPS", Dimension::kBytes, &why));
  EXPECT_THROW(ParseQuantityOrThrow("3 parsecs", Dimension::kTime, "x.yaml:1:2"), ConfigError);
}

TEST(Units, NcclTestsSizesAreBinary) {
  std::string why;
  EXPECT_DOUBLE_EQ(*ParseSize("8", &why), 8);
  EXPECT_DOUBLE_EQ(*ParseSize("1K", &why), 1024);
  EXPECT_DOUBLE_EQ(*ParseSize("64M", &why), 64.0 * 1048576);
  EXPECT_DOUBLE_EQ(*ParseSize("1G", &why), 1073741824.0);
  EXPECT_DOUBLE_EQ(*ParseSize("1GB", &why), 1e9);
  EXPECT_FALSE(ParseSize("-5M", &why));
  EXPECT_NE(why.find("negative"), std::string::npos);
  EXPECT_FALSE(ParseSize("5X", &why));
}

// 18446744073709551616 is 2^64: as a 64-bit size it wrapped to 0 and
// `collectives -e 18446744073709551616` ran as "-e 0". Every size above the
// maximum (1 EiB = 2^60 unless the caller names a smaller one) is refused
// with the value and the maximum in the reason.
TEST(Units, SizesThatDoNotFitIn64BitsAreRefusedWithTheMaximum) {
  std::string why;
  EXPECT_FALSE(ParseSize("18446744073709551616", &why));
  EXPECT_NE(why.find("'18446744073709551616' is too large: at most 1 EiB (1152921504606846976 bytes)"),
            std::string::npos)
      << why;
  EXPECT_FALSE(ParseSize("20000000000000000000", &why));
  EXPECT_FALSE(ParseSize("1048577T", &why));  // 2^60 + 2^40
  EXPECT_FALSE(ParseSize("1e300", &why));
  EXPECT_DOUBLE_EQ(*ParseSize("1048576T", &why), kMaxSizeBytes);  // exactly 2^60
  EXPECT_FALSE(ParseSize("2T", &why, /*max_bytes=*/1099511627776.0));
  EXPECT_NE(why.find("at most 1 TiB (1099511627776 bytes)"), std::string::npos) << why;
  EXPECT_DOUBLE_EQ(*ParseSize("1T", &why, 1099511627776.0), 1099511627776.0);
}

TEST(Units, FormatsForHumans) {
  EXPECT_EQ(FormatQuantity(50e9, Dimension::kBandwidth), "50 GB/s");
  EXPECT_EQ(FormatQuantity(989e12, Dimension::kFlopRate), "989 TFLOP/s");
  EXPECT_EQ(FormatQuantity(5e-6, Dimension::kTime), "5 us");
  EXPECT_EQ(FormatBytes(80.0 * 1024 * 1024 * 1024), "80 GiB");
  EXPECT_EQ(FormatBytes(512), "512 B");
}

}  // namespace
}  // namespace cb

namespace cb {
namespace {

// Issue 17: `config show` printed 0.29999999999999999 and 4.9999999999999996e-06. A value
// parsed from a decimal with a power-of-ten unit is the double nearest the decimal (5us is
// the literal 5e-6, not 5 * 1e-6), and FormatRoundTrip prints the shortest text that
// reads back as the same double.
TEST(Units, DecimalUnitsParseExactlyAndPrintShortest) {
  EXPECT_EQ(Q("5us", Dimension::kTime), 5e-6);  // exact, not DOUBLE_EQ: 5 * 1e-6 != 5e-6
  EXPECT_EQ(Q("0.6us", Dimension::kTime), 0.6e-6);
  EXPECT_EQ(Q("1.5ms", Dimension::kTime), 1.5e-3);
  EXPECT_EQ(Q("30%", Dimension::kDimensionless), 0.3);
  EXPECT_EQ(Q("+7ns", Dimension::kTime), 7e-9);
  EXPECT_EQ(Q("1.1e3us", Dimension::kTime), 1.1e3 * 1e-6);  // an exponent already: multiplied
  EXPECT_EQ(Q("400Gb/s", Dimension::kBandwidth), 50e9);
  EXPECT_EQ(FormatRoundTrip(Q("5us", Dimension::kTime)), "5e-06");
  EXPECT_EQ(FormatRoundTrip(Q("0.6us", Dimension::kTime)), "6e-07");
  EXPECT_EQ(FormatRoundTrip(0.3), "0.3");
  EXPECT_EQ(FormatRoundTrip(0.1 + 0.2), "0.30000000000000004");  // shortest, still exact
  EXPECT_EQ(FormatRoundTrip(3.35e12), "3350000000000");
  EXPECT_EQ(FormatRoundTrip(1e20), "1e+20");
  for (double v : {0.3, 1.1, 2.0 / 3, 5e-6, 1e-300, 6.02214076e23}) {
    EXPECT_EQ(std::stod(FormatRoundTrip(v)), v) << FormatRoundTrip(v);
  }
}

}  // namespace
}  // namespace cb
