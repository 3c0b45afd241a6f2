// The GEMM inputs, shared by the device fill kernel and the host reference:
// element `index` of a matrix seeded `seed` is an integer in {-2, ..., 2}
// (a splitmix64 hash of the index). Small integers are exact in every
// precision the benchmark runs (fp8 e4m3 included), and every partial sum of
// k products stays an integer below 4k, exact in an fp32 accumulator for
// k < 2^22; so a correct GEMM's only error is the rounding of its output.
// Header-only and free of CUDA types: host tests include it too.
#ifndef CLUSTERBENCH_KERNELS_CUDA_GEMM_VALUES_H_
#define CLUSTERBENCH_KERNELS_CUDA_GEMM_VALUES_H_

#include <cstdint>

#if defined(__CUDACC__)
#define CB_HOST_DEVICE __host__ __device__
#else
#define CB_HOST_DEVICE
#endif

namespace cb {

CB_HOST_DEVICE inline int GemmInputValue(uint64_t seed, uint64_t index) {
  uint64_t x = index * 0x9E3779B97F4A7C15ull + seed;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return static_cast<int>(x % 5) - 2;
}

// Layout of the benchmark's GEMM (column-major, the "TN" form fp8 needs):
// A is stored k x m (lda = k) and used transposed, B is stored k x n
// (ldb = k), D is m x n (ldd = m). So op(A)(i, p) is element p + i·k of A
// and B(p, j) is element p + j·k of B.
inline constexpr uint64_t kGemmSeedA = 0x5EEDA;
inline constexpr uint64_t kGemmSeedB = 0x5EEDB;

}  // namespace cb

#endif  // CLUSTERBENCH_KERNELS_CUDA_GEMM_VALUES_H_
