// Device code of the memory benchmark (STREAM-style kernels with 16-byte
// double2 accesses, each thread keeping kUnroll loads in flight) and of the
// exact checks of their results and of copy buffers.
#include <cuda_runtime.h>

#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

constexpr int kUnroll = 4;
constexpr double kTriadScalar = 3.0;
constexpr double kWriteValue = 3.0;

__host__ __device__ __forceinline__ double PatternAt(Pattern p, int64_t i) {
  switch (p) {
    case Pattern::kA:
      return static_cast<double>(i % 7);
    case Pattern::kB:
      return static_cast<double>(i % 5);
    case Pattern::kC:
      return static_cast<double>(i % 3);
    case Pattern::kWrite:
      return kWriteValue;
    case Pattern::kTriad:
      return static_cast<double>(i % 5) + kTriadScalar * static_cast<double>(i % 3);
  }
  return 0;
}

__device__ __forceinline__ int64_t GlobalId() { return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t GridStride() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

__global__ void FillPatternKernel(double* data, int64_t n, Pattern p) {
  for (int64_t i = GlobalId(); i < n; i += GridStride()) data[i] = PatternAt(p, i);
}

__global__ void CheckPatternKernel(const double* data, int64_t n, Pattern p, unsigned long long* wrong) {
  unsigned long long bad = 0;
  for (int64_t i = GlobalId(); i < n; i += GridStride()) bad += (data[i] != PatternAt(p, i));
  if (bad) atomicAdd(wrong, bad);
}

// Block sum into partial[blockIdx.x]; blockDim.x is a power of two <= 1024.
__global__ void ReadKernel(const double2* __restrict__ a, int64_t n2, double* partial) {
  const int64_t stride = GridStride();
  int64_t i = GlobalId();
  double sum = 0;
  for (; i + (kUnroll - 1) * stride < n2; i += kUnroll * stride) {
    double2 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = a[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) sum += v[u].x + v[u].y;
  }
  for (; i < n2; i += stride) sum += a[i].x + a[i].y;
  __shared__ double s[1024];
  s[threadIdx.x] = sum;
  __syncthreads();
  for (unsigned w = blockDim.x / 2; w > 0; w /= 2) {
    if (threadIdx.x < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = s[0];
}

__global__ void WriteKernel(double2* __restrict__ b, int64_t n2) {
  const int64_t stride = GridStride();
  const double2 v = make_double2(kWriteValue, kWriteValue);
  int64_t i = GlobalId();
  for (; i + (kUnroll - 1) * stride < n2; i += kUnroll * stride) {
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) b[i + u * stride] = v;
  }
  for (; i < n2; i += stride) b[i] = v;
}

__global__ void CopyKernel(const double2* __restrict__ a, double2* __restrict__ c, int64_t n2) {
  const int64_t stride = GridStride();
  int64_t i = GlobalId();
  for (; i + (kUnroll - 1) * stride < n2; i += kUnroll * stride) {
    double2 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = a[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) c[i + u * stride] = v[u];
  }
  for (; i < n2; i += stride) c[i] = a[i];
}

__global__ void TriadKernel(double2* __restrict__ a, const double2* __restrict__ b, const double2* __restrict__ c,
                            double s, int64_t n2) {
  const int64_t stride = GridStride();
  int64_t i = GlobalId();
  for (; i + (kUnroll - 1) * stride < n2; i += kUnroll * stride) {
    double2 x[kUnroll], y[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      x[u] = b[i + u * stride];
      y[u] = c[i + u * stride];
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) a[i + u * stride] = make_double2(x[u].x + s * y[u].x, x[u].y + s * y[u].y);
  }
  for (; i < n2; i += stride) a[i] = make_double2(b[i].x + s * c[i].x, b[i].y + s * c[i].y);
}

__global__ void FillWordsKernel(uint32_t* data, int64_t words, uint32_t seed) {
  for (int64_t i = GlobalId(); i < words; i += GridStride()) data[i] = static_cast<uint32_t>(i) * 2654435761u + seed;
}

__global__ void CheckWordsKernel(const uint32_t* data, int64_t words, uint32_t seed, unsigned long long* wrong) {
  unsigned long long bad = 0;
  for (int64_t i = GlobalId(); i < words; i += GridStride()) {
    bad += (data[i] != static_cast<uint32_t>(i) * 2654435761u + seed);
  }
  if (bad) atomicAdd(wrong, bad);
}

constexpr int kUtilThreads = 256;
constexpr unsigned kUtilBlocks = 4096;  // grid-stride: enough to fill any current GPU

}  // namespace

double TriadScalar() { return kTriadScalar; }

cudaError_t LaunchFillPattern(double* data, int64_t n, Pattern p, cudaStream_t stream) {
  FillPatternKernel<<<kUtilBlocks, kUtilThreads, 0, stream>>>(data, n, p);
  return cudaGetLastError();
}

cudaError_t LaunchCheckPattern(const double* data, int64_t n, Pattern p, unsigned long long* wrong,
                               cudaStream_t stream) {
  CheckPatternKernel<<<kUtilBlocks, kUtilThreads, 0, stream>>>(data, n, p, wrong);
  return cudaGetLastError();
}

cudaError_t LaunchRead(const double* a, int64_t n, double* partial, int blocks, int threads, cudaStream_t stream) {
  if (threads > 1024 || (threads & (threads - 1)) != 0) return cudaErrorInvalidValue;
  ReadKernel<<<blocks, threads, 0, stream>>>(reinterpret_cast<const double2*>(a), n / 2, partial);
  return cudaGetLastError();
}

cudaError_t LaunchWrite(double* b, int64_t n, int blocks, int threads, cudaStream_t stream) {
  WriteKernel<<<blocks, threads, 0, stream>>>(reinterpret_cast<double2*>(b), n / 2);
  return cudaGetLastError();
}

cudaError_t LaunchCopy(const double* a, double* c, int64_t n, int blocks, int threads, cudaStream_t stream) {
  CopyKernel<<<blocks, threads, 0, stream>>>(reinterpret_cast<const double2*>(a), reinterpret_cast<double2*>(c), n / 2);
  return cudaGetLastError();
}

cudaError_t LaunchTriad(double* a, const double* b, const double* c, double scalar, int64_t n, int blocks, int threads,
                        cudaStream_t stream) {
  TriadKernel<<<blocks, threads, 0, stream>>>(reinterpret_cast<double2*>(a), reinterpret_cast<const double2*>(b),
                                              reinterpret_cast<const double2*>(c), scalar, n / 2);
  return cudaGetLastError();
}

cudaError_t LaunchFillWords(uint32_t* data, int64_t words, uint32_t seed, cudaStream_t stream) {
  FillWordsKernel<<<kUtilBlocks, kUtilThreads, 0, stream>>>(data, words, seed);
  return cudaGetLastError();
}

cudaError_t LaunchCheckWords(const uint32_t* data, int64_t words, uint32_t seed, unsigned long long* wrong,
                             cudaStream_t stream) {
  CheckWordsKernel<<<kUtilBlocks, kUtilThreads, 0, stream>>>(data, words, seed, wrong);
  return cudaGetLastError();
}

}  // namespace cb::cuda
