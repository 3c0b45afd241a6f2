// Device code of the wgmma peak benchmark: Hopper's warpgroup MMA
// (wgmma.mma_async), the instruction that reaches the H100/H200 datasheet
// tensor-core rate (mma.sync does not). It exists only in sm_90a code, which
// runs on compute capability 9.0 and nothing else, so this file is compiled
// apart for 90a alone (kernels/cuda/CMakeLists.txt) and the host runs it only
// on 9.0 (cuda_peak.cc).
//
// Each block is one warpgroup (128 threads) that issues, kWgmmaPerIter times
// per loop trip, m64n256k16 bf16 x bf16 -> fp32 on one set of 128
// accumulators per thread, with A (64x16) and B (16x256) read from shared
// memory through matrix descriptors. Shared memory holds bf16 1.0 everywhere,
// so whatever element a descriptor addresses is 1 and every accumulator gains
// k = 16 per wgmma: after n wgmmas each is 16n, exact in fp32 below 2^24.
// That makes the check independent of the finer points of the operand layout.
#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/cuda/block_clock.cuh"
#include "kernels/cuda/launch.h"

namespace cb::cuda {
namespace {

constexpr int kAccumulators = kWgmmaAccumulators;  // m64n256 fp32 over 128 threads
constexpr int kTileElems = (64 + 256) * 16;        // A 64x16 then B 256x16, bf16

#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)

// Matrix descriptor (PTX ISA, "Matrix Descriptor Format" of wgmma): bits 0-13
// start address >> 4, bits 16-29 leading dimension byte offset >> 4, bits
// 32-45 stride dimension byte offset >> 4, bits 49-51 base offset (0: only
// swizzled layouts use it), bits 62-63 swizzle mode (0: none). The operand is
// K-major without swizzle: "core matrices" of 8 rows x 16 bytes (8 bf16 of
// k) stored as 128 contiguous bytes; the two core matrices along k (k 0-7 and
// 8-15) 128 bytes apart (leading offset), successive groups of 8 rows 256
// bytes apart (stride offset), as in CUTLASS's canonical INTERLEAVE layout
// ((8,m),(1,2)):((1,SBO),(1,LBO)) in 16-byte units. Read either way round the
// offsets stay inside the tile, and the tile is all ones.
__device__ __forceinline__ uint64_t MatrixDescriptor(uint32_t smem_addr) {
  uint64_t desc = 0;
  desc |= static_cast<uint64_t>((smem_addr & 0x3FFFF) >> 4);
  desc |= static_cast<uint64_t>(128 >> 4) << 16;
  desc |= static_cast<uint64_t>(256 >> 4) << 32;
  return desc;
}

// d += A·B for one m64n256k16 tile; scale-d = 1 (accumulate), A and B
// neither negated (imm-scale 1) nor transposed (imm-trans 0: K-major).
__device__ __forceinline__ void Wgmma64x256x16(float (&d)[kAccumulators], uint64_t desc_a, uint64_t desc_b) {
  asm volatile(
      "{\n"
      ".reg .pred p;\n"
      "setp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 {"
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "
      "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "
      "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, "
      "%64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, "
      "%80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, "
      "%96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, "
      "%112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127"
      "}, %128, %129, p, 1, 1, 0, 0;\n"
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]),
        "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]),
        "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]),
        "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]),
        "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]),
        "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]),
        "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]),
        "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]),
        "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]),
        "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]),
        "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]),
        "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]),
        "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]),
        "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]),
        "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]),
        "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
      : "l"(desc_a), "l"(desc_b), "r"(1));
}

// Keeps the compiler from moving accesses of `x` across this point (the
// asynchronous wgmma writes the accumulators behind its back): CUTLASS's
// warpgroup_fence_operand.
__device__ __forceinline__ void FenceOperand(float& x) { asm volatile("" : "+f"(x)::"memory"); }

#endif

__global__ void __launch_bounds__(128) WgmmaKernel(float* out, int64_t iters, unsigned long long* clocks) {
#if defined(__CUDA_ARCH__) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
  __shared__ __align__(1024) uint16_t tile[kTileElems];
  for (int i = threadIdx.x; i < kTileElems; i += blockDim.x) tile[i] = 0x3F80;  // bf16 1.0
  // wgmma reads shared memory through the async proxy: make the ordinary
  // stores above visible to it, then to every warp.
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
  __syncthreads();
  const uint32_t base = static_cast<uint32_t>(__cvta_generic_to_shared(tile));
  const uint64_t desc_a = MatrixDescriptor(base);
  const uint64_t desc_b = MatrixDescriptor(base + 64 * 16 * sizeof(uint16_t));

  float d[kAccumulators];
#pragma unroll
  for (int i = 0; i < kAccumulators; ++i) d[i] = 0.f;
  BlockClock timer;
  timer.Start();
  for (int64_t it = 0; it < iters; ++it) {
    // Orders the accumulators' earlier accesses before the wgmmas (needed
    // before the first; kept each trip, as CUTLASS's mainloop does).
#pragma unroll
    for (int i = 0; i < kAccumulators; ++i) FenceOperand(d[i]);
    asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
#pragma unroll
    for (int u = 0; u < kWgmmaPerIter; ++u) Wgmma64x256x16(d, desc_a, desc_b);
    asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
    asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
#pragma unroll
    for (int i = 0; i < kAccumulators; ++i) FenceOperand(d[i]);
  }
  timer.Stop(clocks);
  // Count the accumulators that are not 16 per wgmma.
  const float expect = 16.f * static_cast<float>(iters * kWgmmaPerIter);
  float bad = 0;
#pragma unroll
  for (int i = 0; i < kAccumulators; ++i) bad += (d[i] != expect) ? 1.f : 0.f;
  out[static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x] = bad;
#else
  // Not sm_90a code: report every accumulator wrong rather than a rate.
  (void)iters;
  (void)clocks;
  out[static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x] = static_cast<float>(kAccumulators);
#endif
}

}  // namespace

bool WgmmaCompiled() { return true; }

cudaError_t LaunchWgmmaBf16(float* out, int64_t iters, unsigned long long* clocks, int blocks, cudaStream_t stream) {
  WgmmaKernel<<<blocks, kWgmmaThreads, 0, stream>>>(out, iters, clocks);
  return cudaGetLastError();
}

}  // namespace cb::cuda
