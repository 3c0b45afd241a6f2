#include "collectives/datatype.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>

#include "collectives/fp8.h"
#include "core/error.h"

namespace cb::coll {
namespace {

// IEEE half and bfloat16 <-> float, round to nearest even. The values the
// benchmarks use are small integers, exact in both.
uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  int32_t exp = static_cast<int32_t>((x >> 23) & 0xff) - 127 + 15;
  uint32_t mant = x & 0x7fffffu;
  if (((x >> 23) & 0xff) == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mant ? 0x200u : 0));
  if (exp >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  if (exp <= 0) {
    if (exp < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000u;
    uint32_t shift = static_cast<uint32_t>(14 - exp);
    uint32_t half = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1);
    uint32_t mid = 1u << (shift - 1);
    if (rem > mid || (rem == mid && (half & 1))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = sign | (static_cast<uint32_t>(exp) << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1))) ++half;
  return static_cast<uint16_t>(half);
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t x;
  if (exp == 0) {
    if (mant == 0) {
      x = sign;
    } else {
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      x = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else if (exp == 31) {
    x = sign | 0x7f800000u | (mant << 13);
  } else {
    x = sign | ((exp - 15 + 127) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t FloatToBf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t rounding = 0x7fffu + ((x >> 16) & 1);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

float Bf16ToFloat(uint16_t b) {
  uint32_t x = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

template <typename T>
void Put(void* buf, size_t i, T v) {
  std::memcpy(static_cast<char*>(buf) + i * sizeof(T), &v, sizeof(T));
}
template <typename T>
T Get(const void* buf, size_t i) {
  T v;
  std::memcpy(&v, static_cast<const char*>(buf) + i * sizeof(T), sizeof(T));
  return v;
}

}  // namespace

size_t SizeOf(DataType t) {
  switch (t) {
    case DataType::kInt8:
    case DataType::kUint8:
    case DataType::kF8e4m3:
    case DataType::kF8e5m2:
      return 1;
    case DataType::kHalf:
    case DataType::kBfloat16:
      return 2;
    case DataType::kInt32:
    case DataType::kUint32:
    case DataType::kFloat:
      return 4;
    case DataType::kInt64:
    case DataType::kUint64:
    case DataType::kDouble:
      return 8;
  }
  return 1;
}

const char* Name(DataType t) {
  switch (t) {
    case DataType::kInt8:
      return "int8";
    case DataType::kUint8:
      return "uint8";
    case DataType::kInt32:
      return "int32";
    case DataType::kUint32:
      return "uint32";
    case DataType::kInt64:
      return "int64";
    case DataType::kUint64:
      return "uint64";
    case DataType::kHalf:
      return "half";
    case DataType::kBfloat16:
      return "bfloat16";
    case DataType::kFloat:
      return "float";
    case DataType::kDouble:
      return "double";
    case DataType::kF8e4m3:
      return "f8e4m3";
    case DataType::kF8e5m2:
      return "f8e5m2";
  }
  return "?";
}

const char* Name(RedOp op) {
  switch (op) {
    case RedOp::kSum:
      return "sum";
    case RedOp::kProd:
      return "prod";
    case RedOp::kMin:
      return "min";
    case RedOp::kMax:
      return "max";
    case RedOp::kAvg:
      return "avg";
  }
  return "?";
}

std::vector<DataType> AllDataTypes() {
  return {DataType::kInt8,   DataType::kUint8,    DataType::kInt32,  DataType::kUint32,
          DataType::kInt64,  DataType::kUint64,   DataType::kHalf,   DataType::kFloat,
          DataType::kDouble, DataType::kBfloat16, DataType::kF8e4m3, DataType::kF8e5m2};
}

bool IsFloating(DataType t) {
  return t == DataType::kHalf || t == DataType::kBfloat16 || t == DataType::kFloat || t == DataType::kDouble ||
         IsFp8(t);
}

bool IsFp8(DataType t) { return t == DataType::kF8e4m3 || t == DataType::kF8e5m2; }

DataType ParseDataType(const std::string& s) {
  for (DataType t : AllDataTypes()) {
    if (s == Name(t)) return t;
  }
  if (s == "fp16" || s == "float16") return DataType::kHalf;
  if (s == "bf16") return DataType::kBfloat16;
  if (s == "fp32" || s == "float32") return DataType::kFloat;
  if (s == "fp64" || s == "float64") return DataType::kDouble;
  if (s == "char") return DataType::kInt8;
  if (s == "int") return DataType::kInt32;
  if (s == "fp8e4m3" || s == "e4m3" || s == "float8e4m3") return DataType::kF8e4m3;
  if (s == "fp8e5m2" || s == "e5m2" || s == "float8e5m2") return DataType::kF8e5m2;
  throw UsageError(
      fmt::format("-d {}: unknown data type (int8, uint8, int32, uint32, int64, uint64, half, "
                  "float, double, bfloat16, f8e4m3, f8e5m2, all)",
                  s));
}

std::vector<RedOp> AllRedOps() { return {RedOp::kSum, RedOp::kProd, RedOp::kMax, RedOp::kMin, RedOp::kAvg}; }

RedOp ParseRedOp(const std::string& s) {
  for (RedOp r : AllRedOps()) {
    if (s == Name(r)) return r;
  }
  throw UsageError(fmt::format("-o/--redop {}: unknown reduction (sum, prod, min, max, avg, all)", s));
}

double Combine(RedOp op, double a, double b) {
  switch (op) {
    case RedOp::kSum:
    case RedOp::kAvg:
      return a + b;
    case RedOp::kProd:
      return a * b;
    case RedOp::kMin:
      return std::min(a, b);
    case RedOp::kMax:
      return std::max(a, b);
  }
  return a;
}

double WrapToType(double v, DataType t) {
  if (t == DataType::kF8e4m3) return DecodeE4m3(EncodeE4m3(v));
  if (t == DataType::kF8e5m2) return DecodeE5m2(EncodeE5m2(v));
  if (IsFloating(t)) return v;
  const int64_t x = static_cast<int64_t>(std::llround(v));
  switch (t) {
    case DataType::kInt8:
      return static_cast<int8_t>(x);
    case DataType::kUint8:
      return static_cast<uint8_t>(x);
    case DataType::kInt32:
      return static_cast<int32_t>(x);
    case DataType::kUint32:
      return static_cast<uint32_t>(x);
    default:
      return static_cast<double>(x);
  }
}

void Store(void* buf, DataType t, size_t i, double v) {
  switch (t) {
    case DataType::kInt8:
      Put<int8_t>(buf, i, static_cast<int8_t>(v));
      break;
    case DataType::kUint8:
      Put<uint8_t>(buf, i, static_cast<uint8_t>(v));
      break;
    case DataType::kInt32:
      Put<int32_t>(buf, i, static_cast<int32_t>(v));
      break;
    case DataType::kUint32:
      Put<uint32_t>(buf, i, static_cast<uint32_t>(v));
      break;
    case DataType::kInt64:
      Put<int64_t>(buf, i, static_cast<int64_t>(v));
      break;
    case DataType::kUint64:
      Put<uint64_t>(buf, i, static_cast<uint64_t>(v));
      break;
    case DataType::kHalf:
      Put<uint16_t>(buf, i, FloatToHalf(static_cast<float>(v)));
      break;
    case DataType::kBfloat16:
      Put<uint16_t>(buf, i, FloatToBf16(static_cast<float>(v)));
      break;
    case DataType::kFloat:
      Put<float>(buf, i, static_cast<float>(v));
      break;
    case DataType::kDouble:
      Put<double>(buf, i, v);
      break;
    case DataType::kF8e4m3:
      Put<uint8_t>(buf, i, EncodeE4m3(v));
      break;
    case DataType::kF8e5m2:
      Put<uint8_t>(buf, i, EncodeE5m2(v));
      break;
  }
}

double Load(const void* buf, DataType t, size_t i) {
  switch (t) {
    case DataType::kInt8:
      return Get<int8_t>(buf, i);
    case DataType::kUint8:
      return Get<uint8_t>(buf, i);
    case DataType::kInt32:
      return Get<int32_t>(buf, i);
    case DataType::kUint32:
      return Get<uint32_t>(buf, i);
    case DataType::kInt64:
      return static_cast<double>(Get<int64_t>(buf, i));
    case DataType::kUint64:
      return static_cast<double>(Get<uint64_t>(buf, i));
    case DataType::kHalf:
      return HalfToFloat(Get<uint16_t>(buf, i));
    case DataType::kBfloat16:
      return Bf16ToFloat(Get<uint16_t>(buf, i));
    case DataType::kFloat:
      return Get<float>(buf, i);
    case DataType::kDouble:
      return Get<double>(buf, i);
    case DataType::kF8e4m3:
      return DecodeE4m3(Get<uint8_t>(buf, i));
    case DataType::kF8e5m2:
      return DecodeE5m2(Get<uint8_t>(buf, i));
  }
  return 0;
}

}  // namespace cb::coll
