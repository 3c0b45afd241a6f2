// Element types and reductions of collective benchmarks, named as nccl-tests
// names them (-d float, half, bfloat16, ...; --redop sum, prod, min, max, avg),
// and exactly predictable test data.
//
// Verifiable data (after nccl-tests' verifiable/ idea, with simpler values):
// rank r contributes element i = Value(op, r, i, n), small integers that every
// type represents exactly, chosen so each reduction's result is exact too:
//   sum:  (r + i) mod 3            result <= 2n   (exact in half/bfloat16 up
//                                                   to n = 128, int8 up to 63)
//   prod: 2 if i mod n == r else 1  result = 2
//   min, max: (r + i) mod n        result 0 or n-1 (capped at 100 for int8)
//   avg:  (r + i) mod 3 scaled: sum / n, checked with tolerance
// Non-reducing ops (gather, broadcast, alltoall, sendrecv) move
// (r·131 + i) mod 97 + 1 so every element reveals where it came from; in fp8,
// whose integers are exact only up to 16 (E4M3) or 8 (E5M2), (r·131 + i) mod 7
// + 1 (1..7, and 8 when corrupted: all exact in both formats).
// fp8 sums (and avg) take (i mod 3) from rank i mod n and 0 from the others,
// so every partial sum is exact at any rank count; products, minima and
// maxima are as above.
#ifndef CLUSTERBENCH_COLLECTIVES_DATATYPE_H_
#define CLUSTERBENCH_COLLECTIVES_DATATYPE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cb::coll {

enum class DataType {
  kInt8,
  kUint8,
  kInt32,
  kUint32,
  kInt64,
  kUint64,
  kHalf,
  kBfloat16,
  kFloat,
  kDouble,
  kF8e4m3,  // OCP FP8 E4M3 (collectives/fp8.h), nccl-tests' f8e4m3
  kF8e5m2,  // OCP FP8 E5M2, nccl-tests' f8e5m2
};
enum class RedOp { kSum, kProd, kMin, kMax, kAvg };

size_t SizeOf(DataType t);
const char* Name(DataType t);                  // nccl-tests spelling: int8, half, bfloat16, float, f8e4m3, ...
const char* Name(RedOp op);                    // sum, prod, min, max, avg
DataType ParseDataType(const std::string& s);  // also fp16, bf16, fp32, fp64, float32, ...; throws UsageError
RedOp ParseRedOp(const std::string& s);        // throws UsageError
// Every reduction, in nccl-tests' order for `-o all` (test_opnames in
// nccl-tests src/common.cu: sum, prod, max, min, avg; its premultiplied
// "mulsum" has no counterpart here).
std::vector<RedOp> AllRedOps();
// Every type, for `-d all`: nccl-tests' order (test_types in src/common.cu:
// int8 ... uint64, half, float, double, bfloat16), then f8e4m3, f8e5m2 (in
// NCCL's numbering, ncclFloat8e4m3 = 10, ncclFloat8e5m2 = 11).
std::vector<DataType> AllDataTypes();
bool IsFloating(DataType t);
bool IsFp8(DataType t);  // f8e4m3, f8e5m2

// The reduction of two values, and what a buffer of type t holds for the
// exact value v: integers wrap modulo 2^bits (as NCCL and MPI sums do); fp8
// rounds to the nearest value the format has (ties to even).
double Combine(RedOp op, double a, double b);
double WrapToType(double v, DataType t);

// Writes/reads element i of a typed buffer as a double (exact for the values used).
void Store(void* buf, DataType t, size_t i, double v);
double Load(const void* buf, DataType t, size_t i);

}  // namespace cb::coll

#endif  // CLUSTERBENCH_COLLECTIVES_DATATYPE_H_
