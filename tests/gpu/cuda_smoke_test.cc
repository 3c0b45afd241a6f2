// Runs only where a GPU is present (CTest label gpu): the toolchain, driver and
// device work end to end, and `info` sees the device with sane properties.
#include <gtest/gtest.h>

#include "core/backends.h"
#include "kernels/cuda/smoke.h"

namespace cb {
void RegisterCudaBackend(Backends&);
namespace {

TEST(CudaSmoke, KernelWritesEveryElementCorrectly) { EXPECT_EQ(RunCudaSmoke(0, 1u << 20), 0); }

TEST(CudaSmoke, InfoReportsTheDevice) {
  Backends b;
  RegisterCudaBackend(b);
  NodeInfo info;
  for (auto& fill : b.node_info) fill(info);
  ASSERT_FALSE(info.gpus.empty()) << info.gpu_note;
  const GpuInfo& g = info.gpus.front();
  EXPECT_FALSE(g.name.empty());
  EXPECT_EQ(g.uuid.rfind("GPU-", 0), 0u);
  EXPECT_GT(g.sm_count, 0);
  EXPECT_GT(g.memory_bytes, int64_t{1} << 30);
  EXPECT_GT(g.sm_clock_max_hz, 1e8);
}

}  // namespace
}  // namespace cb
