#include "collectives/op.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "collectives/communicator.h"
#include "core/error.h"
#include "core/file_check.h"

namespace cb::coll {

std::unique_ptr<Communicator> Communicator::Split(int, int) {
  throw UsageError(fmt::format("the {} backend cannot split the job into groups (--split)", backend()));
}

const char* Name(OpKind op) { return CollectiveOpName(op); }

std::vector<OpKind> AllOps() { return AllCollectiveOps(); }

OpKind ParseOp(const std::string& s) {
  if (auto op = FindCollectiveOp(s)) return *op;
  throw UsageError(
      fmt::format("--op {}: unknown operation (all_reduce, all_gather, reduce_scatter, broadcast, "
                  "reduce, alltoall, sendrecv, gather, scatter, alltoallv, p2p, all)",
                  s));
}

bool IsReduction(OpKind op) {
  return op == OpKind::kAllReduce || op == OpKind::kReduceScatter || op == OpKind::kReduce;
}
bool HasRoot(OpKind op) {
  return op == OpKind::kBroadcast || op == OpKind::kReduce || op == OpKind::kGather || op == OpKind::kScatter;
}

double BusBandwidthFactor(OpKind op, int nranks) { return CollectiveBusFactor(op, nranks); }

size_t AlignSize(OpKind op, size_t size_bytes, DataType t, int nranks) {
  size_t unit = SizeOf(t);
  if (op == OpKind::kAllGather || op == OpKind::kReduceScatter || op == OpKind::kAllToAll || op == OpKind::kGather ||
      op == OpKind::kScatter || op == OpKind::kAllToAllv) {
    unit *= static_cast<size_t>(nranks);
  }
  return size_bytes / unit * unit;
}

Counts CountsFor(OpKind op, size_t size_bytes, DataType t, int nranks) {
  const size_t n = static_cast<size_t>(nranks);
  const size_t elems = AlignSize(op, size_bytes, t, nranks) / SizeOf(t);
  Counts c;
  switch (op) {
    case OpKind::kAllGather:
    case OpKind::kGather:
      c.send_count = elems / n;
      c.recv_count = elems;
      c.count = c.send_count;
      break;
    case OpKind::kReduceScatter:
    case OpKind::kScatter:
      c.send_count = elems;
      c.recv_count = elems / n;
      c.count = c.recv_count;
      break;
    case OpKind::kAllToAll:
    case OpKind::kAllToAllv:
      c.send_count = c.recv_count = elems;
      c.count = elems / n;
      break;
    case OpKind::kAllReduce:
    case OpKind::kBroadcast:
    case OpKind::kReduce:
    case OpKind::kSendRecv:
      c.count = c.send_count = c.recv_count = elems;
      break;
  }
  return c;
}

size_t AllToAllvCount(size_t slot, int from, int to) {
  if (slot == 0) return 0;
  const size_t k = (static_cast<size_t>(from) + static_cast<size_t>(to) + 1) % slot;
  return (slot - k) % slot;
}

size_t AllToAllvCount(const Counts& c, int from, int to, int nranks) {
  if (!c.traffic) return AllToAllvCount(c.count, from, to);
  const double f = (*c.traffic)[static_cast<size_t>(from) * static_cast<size_t>(nranks) + static_cast<size_t>(to)];
  return std::min(c.count, static_cast<size_t>(std::floor(static_cast<double>(c.count) * f)));
}

std::vector<double> ReadAllToAllvMatrix(const std::string& path, int* n) {
  if (const FileCheck fc = CheckInputFile(path); fc.problem != FileProblem::kNone) {
    throw UsageError(fmt::format("--alltoallv-matrix {}: {}", path, fc.text));
  }
  std::ifstream in(path);
  if (!in) throw UsageError(fmt::format("--alltoallv-matrix {}: cannot open the file", path));
  std::vector<double> values;
  size_t width = 0, rows = 0;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    std::stringstream fields(line);
    std::string field;
    size_t here = 0;
    while (std::getline(fields, field, ',')) {
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      const bool trailing_space = end && std::string(end).find_first_not_of(" \t\r") == std::string::npos;
      if (end == field.c_str() || !trailing_space || !(v >= 0 && v <= 1)) {
        throw UsageError(fmt::format("--alltoallv-matrix {}:{}: field {} ('{}') is not a fraction in [0, 1]", path,
                                     number, here + 1, field));
      }
      values.push_back(v);
      ++here;
    }
    if (rows > 0 && here != width) {
      throw UsageError(
          fmt::format("--alltoallv-matrix {}:{}: {} values where the first row has {}", path, number, here, width));
    }
    width = here;
    ++rows;
  }
  if (rows == 0) throw UsageError(fmt::format("--alltoallv-matrix {}: no rows", path));
  if (rows != width) {
    throw UsageError(
        fmt::format("--alltoallv-matrix {}: {} rows of {} values; an n x n matrix is needed (row i: "
                    "the fractions rank i sends to each rank)",
                    path, rows, width));
  }
  *n = static_cast<int>(rows);
  return values;
}

int SendPeer(int rank, int nranks) { return (rank + 1) % nranks; }
int RecvPeer(int rank, int nranks) { return (rank - 1 + nranks) % nranks; }

namespace {

double ReduceIn(RedOp r, int rank, size_t i, int n, DataType t) {
  switch (r) {
    case RedOp::kSum:
    case RedOp::kAvg:
      // fp8 holds integers exactly only up to 8 or 16: one rank per element
      // contributes (i mod 3), the others 0, so every partial sum and the
      // result stay exact (and a corruption visible) at any rank count.
      if (IsFp8(t)) {
        return i % static_cast<size_t>(n) == static_cast<size_t>(rank) ? static_cast<double>(i % 3) : 0.0;
      }
      return static_cast<double>((static_cast<size_t>(rank) + i) % 3);
    case RedOp::kProd:
      return (i % static_cast<size_t>(n) == static_cast<size_t>(rank)) ? 2 : 1;
    case RedOp::kMin:
    case RedOp::kMax:
      return static_cast<double>((static_cast<size_t>(rank) + i) % static_cast<size_t>(std::min(n, 100)));
  }
  return 0;
}

// Data-movement values: 1..97, or 1..7 in fp8 (exact there, with room for the
// corruption's +1; see collectives/datatype.h).
double MoveIn(int rank, size_t i, DataType t) {
  const size_t modulus = IsFp8(t) ? 7 : 97;
  return static_cast<double>((static_cast<size_t>(rank) * 131 + i) % modulus + 1);
}

double Reduced(RedOp r, size_t i, int n, DataType t) {
  double acc = ReduceIn(r, 0, i, n, t);
  for (int k = 1; k < n; ++k) {
    acc = Combine(r, acc, ReduceIn(r, k, i, n, t));
  }
  if (r == RedOp::kAvg) acc /= n;
  return acc;
}

bool Same(double got, double want, DataType t, RedOp r, int n) {
  if (!IsFloating(t)) return got == want;
  if (IsFp8(t)) {
    // `want` is already rounded to fp8, and every fp8 input and partial
    // result is exact (sums of one non-zero input, products of 2, minima and
    // maxima of rounded values, rounding being monotonic): equal or wrong.
    // avg divides by n: a backend may round that once more, one unit in the
    // last place.
    if (r != RedOp::kAvg) return got == want;
    const int man = t == DataType::kF8e4m3 ? 3 : 2;
    const double quantum = t == DataType::kF8e4m3 ? std::ldexp(1.0, -9) : std::ldexp(1.0, -16);  // subnormal step
    const double a = std::fabs(want);
    const double ulp = a > 0 ? std::max(quantum, std::ldexp(1.0, std::ilogb(a) - man)) : quantum;
    return std::fabs(got - want) <= ulp;
  }
  // Integer-valued inputs are exact until the sum outgrows the mantissa;
  // avg divides. Tolerate what the type cannot represent.
  double eps = t == DataType::kHalf       ? 1.0 / 1024
               : t == DataType::kBfloat16 ? 1.0 / 128
               : t == DataType::kFloat    ? 1.0 / (1 << 23)
                                          : 1e-15;
  double tol = (r == RedOp::kAvg || std::fabs(want) * eps >= 0.5) ? std::fabs(want) * eps * 2 + eps * n : 0;
  return std::fabs(got - want) <= tol;
}

void Put(void* buf, DataType t, size_t i, double v) { Store(buf, t, i, WrapToType(v, t)); }

}  // namespace

void FillSend(OpKind op, RedOp redop, DataType t, int rank, int nranks, int root, void* send, const Counts& c,
              bool corrupt) {
  const size_t n = static_cast<size_t>(nranks);
  switch (op) {
    case OpKind::kAllReduce:
    case OpKind::kReduce:
    case OpKind::kReduceScatter:
      for (size_t i = 0; i < c.send_count; ++i) Put(send, t, i, ReduceIn(redop, rank, i, nranks, t));
      if (corrupt) {
        // A value the reduction cannot hide: beyond every input for max, below
        // for min (not possible for unsigned types, whose minimum input is 0).
        size_t stride = op == OpKind::kReduceScatter ? c.recv_count : c.send_count;
        for (size_t i = 0; stride > 0 && i < c.send_count; i += stride) {
          // (fp8: twice the largest input, so that rounding cannot merge them.)
          const int beyond = IsFp8(t) ? 2 * std::min(nranks, 100) + 2 : std::min(nranks, 100) + 1;
          double v = redop == RedOp::kMax   ? static_cast<double>(beyond)
                     : redop == RedOp::kMin ? -1.0
                                            : Load(send, t, i) + 1;
          Put(send, t, i, v);
        }
      }
      break;
    case OpKind::kAllGather:
    case OpKind::kSendRecv:
    case OpKind::kGather:
      for (size_t i = 0; i < c.send_count; ++i) Put(send, t, i, MoveIn(rank, i, t));
      if (corrupt && c.send_count) Put(send, t, 0, MoveIn(rank, 0, t) + 1);
      break;
    case OpKind::kBroadcast:
      if (rank == root) {
        for (size_t i = 0; i < c.send_count; ++i) Put(send, t, i, MoveIn(root, i, t));
      }
      if (corrupt && rank == root && c.send_count) Put(send, t, 0, MoveIn(root, 0, t) + 1);
      break;
    case OpKind::kScatter: {
      // Only the root's data travel: every chunk's first element is corrupted
      // so every receiver sees it.
      if (rank != root) break;
      size_t chunk = c.send_count / n;
      for (size_t i = 0; i < c.send_count; ++i) Put(send, t, i, MoveIn(root, i, t));
      if (corrupt) {
        for (size_t p = 0; chunk > 0 && p < n; ++p) Put(send, t, p * chunk, MoveIn(root, p * chunk, t) + 1);
      }
      break;
    }
    case OpKind::kAllToAll:
    case OpKind::kAllToAllv: {
      // alltoallv sends a prefix of each chunk (AllToAllvCount), which holds
      // the chunk's first element whenever it sends anything.
      size_t chunk = c.send_count / n;
      for (size_t i = 0; i < c.send_count; ++i) Put(send, t, i, MoveIn(rank, i, t));
      if (corrupt) {
        for (size_t p = 0; chunk > 0 && p < n; ++p) Put(send, t, p * chunk, MoveIn(rank, p * chunk, t) + 1);
      }
      break;
    }
  }
}

int64_t CountWrong(OpKind op, RedOp redop, DataType t, int rank, int nranks, int root, const void* recv,
                   const Counts& c) {
  const size_t n = static_cast<size_t>(nranks);
  int64_t wrong = 0;
  auto check = [&](size_t i, double want) { wrong += !Same(Load(recv, t, i), WrapToType(want, t), t, redop, nranks); };
  switch (op) {
    case OpKind::kAllReduce:
      for (size_t i = 0; i < c.recv_count; ++i) check(i, Reduced(redop, i, nranks, t));
      break;
    case OpKind::kReduce:
      if (rank == root) {
        for (size_t i = 0; i < c.recv_count; ++i) check(i, Reduced(redop, i, nranks, t));
      }
      break;
    case OpKind::kReduceScatter:
      for (size_t j = 0; j < c.recv_count; ++j) {
        check(j, Reduced(redop, static_cast<size_t>(rank) * c.recv_count + j, nranks, t));
      }
      break;
    case OpKind::kAllGather:
      for (size_t r = 0; r < n; ++r) {
        for (size_t j = 0; j < c.send_count; ++j) check(r * c.send_count + j, MoveIn(static_cast<int>(r), j, t));
      }
      break;
    case OpKind::kBroadcast:
      for (size_t i = 0; i < c.recv_count; ++i) check(i, MoveIn(root, i, t));
      break;
    case OpKind::kAllToAll: {
      size_t chunk = c.recv_count / n;
      for (size_t q = 0; q < n; ++q) {
        for (size_t j = 0; j < chunk; ++j) {
          check(q * chunk + j, MoveIn(static_cast<int>(q), static_cast<size_t>(rank) * chunk + j, t));
        }
      }
      break;
    }
    case OpKind::kSendRecv:
      for (size_t i = 0; i < c.recv_count; ++i) check(i, MoveIn(RecvPeer(rank, nranks), i, t));
      break;
    case OpKind::kGather:
      // Only the root receives.
      if (rank == root) {
        for (size_t r = 0; r < n; ++r) {
          for (size_t j = 0; j < c.send_count; ++j) check(r * c.send_count + j, MoveIn(static_cast<int>(r), j, t));
        }
      }
      break;
    case OpKind::kScatter:
      for (size_t j = 0; j < c.recv_count; ++j) {
        check(j, MoveIn(root, static_cast<size_t>(rank) * c.recv_count + j, t));
      }
      break;
    case OpKind::kAllToAllv: {
      // Slot q holds what rank q sent here, a prefix of the slot; the rest of
      // the slot is not written (nccl-tests leaves it as it was too).
      size_t chunk = c.recv_count / n;
      for (size_t q = 0; q < n; ++q) {
        const size_t got = AllToAllvCount(c, static_cast<int>(q), rank, nranks);
        for (size_t j = 0; j < got; ++j) {
          check(q * chunk + j, MoveIn(static_cast<int>(q), static_cast<size_t>(rank) * chunk + j, t));
        }
      }
      break;
    }
  }
  return wrong;
}

}  // namespace cb::coll
