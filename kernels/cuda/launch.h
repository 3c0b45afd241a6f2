// Host-callable launchers of the backend's device code (the .cu files), so
// the host logic stays in .cc files that g++ compiles with the project's
// warnings. Every launcher enqueues on `stream` and returns
// cudaGetLastError(): the caller checks it with CB_CUDA_CHECK.
#ifndef CLUSTERBENCH_KERNELS_CUDA_LAUNCH_H_
#define CLUSTERBENCH_KERNELS_CUDA_LAUNCH_H_

#include <cuda_runtime_api.h>

#include <cstdint>

namespace cb::cuda {

// ---------------------------------------------------------------- harness
// Spins until *flag != 0 (host-mapped memory) or `timeout_ns` of GPU time
// have passed; then sets *timed_out = 1. Holds the stream while the host
// enqueues the timed work, so launch latency is not timed.
cudaError_t LaunchSpin(const volatile int* flag, int* timed_out, uint64_t timeout_ns, cudaStream_t stream);
// Keeps the stream busy for `ns` nanoseconds of GPU time (the throttle self-test).
cudaError_t LaunchSleep(uint64_t ns, cudaStream_t stream);

// ---------------------------------------------------------------- GEMM
// Element types of the GEMM buffers.
enum class ElemType { kF64, kF32, kBf16, kF16, kFp8E4M3 };
// Fills `count` elements with GemmInputValue(seed, i).
cudaError_t LaunchFillGemmInput(void* data, ElemType type, int64_t count, uint64_t seed, cudaStream_t stream);
// out[s] = (double) data[index[s]] for s < samples.
cudaError_t LaunchGather(const void* data, ElemType type, const int64_t* index, double* out, int64_t samples,
                         cudaStream_t stream);
// Sets `count` floats to `value` (the fp8 scale factors).
cudaError_t LaunchFillFloat(float* data, int64_t count, float value, cudaStream_t stream);

// ---------------------------------------------------------------- memory
// Arrays of n doubles (n even: the kernels access double2, 16 bytes) holding
// small integers, so every result is exact: kA(i) = i mod 7, kB(i) = i mod 5,
// kC(i) = i mod 3, kWrite(i) = 3, kTriad(i) = kB(i) + TriadScalar()·kC(i).
enum class Pattern { kA, kB, kC, kWrite, kTriad };
cudaError_t LaunchFillPattern(double* data, int64_t n, Pattern p, cudaStream_t stream);
// Adds the count of elements that differ from the pattern to *wrong.
cudaError_t LaunchCheckPattern(const double* data, int64_t n, Pattern p, unsigned long long* wrong,
                               cudaStream_t stream);
// The timed kernels; `threads` a power of two <= 1024 (read reduces in shared memory).
// read: partial[b] = the sum of the elements block b read.
cudaError_t LaunchRead(const double* a, int64_t n, double* partial, int blocks, int threads, cudaStream_t stream);
// write: b = kWrite
cudaError_t LaunchWrite(double* b, int64_t n, int blocks, int threads, cudaStream_t stream);
// copy: c = a
cudaError_t LaunchCopy(const double* a, double* c, int64_t n, int blocks, int threads, cudaStream_t stream);
// triad: a = b + scalar·c
cudaError_t LaunchTriad(double* a, const double* b, const double* c, double scalar, int64_t n, int blocks, int threads,
                        cudaStream_t stream);
double TriadScalar();

// ---------------------------------------------------------------- copies
// Byte pattern of copy buffers: 32-bit words, word w = w·2654435761 + seed.
cudaError_t LaunchFillWords(uint32_t* data, int64_t words, uint32_t seed, cudaStream_t stream);
cudaError_t LaunchCheckWords(const uint32_t* data, int64_t words, uint32_t seed, unsigned long long* wrong,
                             cudaStream_t stream);

// ---------------------------------------------------------------- peak
// FMA chains: each thread runs kFmaChains independent x = x·1 + 1
// recurrences for `iters` steps (a multiple of 16) and stores the sum of its
// chains in out[thread] (= C·(C-1)/2 + C·iters exactly, C = kFmaChains). clocks[2b], clocks[2b+1]:
// block b's elapsed SM cycles (clock64) and nanoseconds (globaltimer).
inline constexpr int kFmaChains = 8;
cudaError_t LaunchFmaF32(float* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                         cudaStream_t stream);
cudaError_t LaunchFmaF64(double* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                         cudaStream_t stream);
// Tensor cores: each warp issues `iters` x kMmaChains independent
// mma.sync.m16n8k16 bf16 (fp32 accumulate) with A = B = 1, so every
// accumulator ends at 16·iters; out[thread] = how many of the thread's
// 4·kMmaChains accumulators did not (0 when right).
inline constexpr int kMmaChains = 8;
cudaError_t LaunchMmaBf16(float* out, int64_t iters, unsigned long long* clocks, int blocks, int threads,
                          cudaStream_t stream);
// Hopper warpgroup MMA (wgmma_kernels.cu, sm_90a only): each block is one
// warpgroup of kWgmmaThreads that issues `iters` x kWgmmaPerIter
// wgmma.mma_async.m64n256k16 bf16 (fp32 accumulate) with A = B = 1 from
// shared memory, so each of a thread's 128 accumulators ends at
// 16·iters·kWgmmaPerIter; out[thread] = how many did not (0 when right).
// Runs only on compute capability 9.0. WgmmaCompiled() is false when the build
// targets no 9.0 architecture; then the launcher returns cudaErrorNotSupported.
inline constexpr int kWgmmaThreads = 128;
inline constexpr int kWgmmaPerIter = 8;
inline constexpr int kWgmmaAccumulators = 128;  // fp32 per thread: 64 x 256 / 128
bool WgmmaCompiled();
cudaError_t LaunchWgmmaBf16(float* out, int64_t iters, unsigned long long* clocks, int blocks, cudaStream_t stream);

}  // namespace cb::cuda

#endif  // CLUSTERBENCH_KERNELS_CUDA_LAUNCH_H_
