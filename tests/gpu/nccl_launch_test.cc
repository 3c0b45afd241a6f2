// Runs everywhere the NCCL backend is built (CTest label unit, no GPU
// needed): how the backend reads its launch from the environment, and that a
// machine without a GPU gets a clear usage error instead of a crash.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "collectives/backend.h"
#include "collectives/nccl/nccl_backend.h"
#include "core/error.h"

namespace cb::coll {
namespace {

Launch With(const std::map<std::string, std::string>& env) {
  return DetectLaunch([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(NcclLaunch, NoLauncherVariablesMeansOneProcess) {
  EXPECT_FALSE(With({}).under_launcher);
  EXPECT_FALSE(With({{"CUDA_VISIBLE_DEVICES", "0,1"}, {"SLURM_JOB_ID", "7"}}).under_launcher);
}

TEST(NcclLaunch, OpenMpiPmiAndPmixAreLaunchersWhateverTheSize) {
  // mpirun -np 1 is still MPI: the job may be one rank of a larger plan.
  Launch l = With({{"OMPI_COMM_WORLD_SIZE", "1"}});
  EXPECT_TRUE(l.under_launcher);
  EXPECT_EQ(l.evidence, "OMPI_COMM_WORLD_SIZE=1");
  EXPECT_TRUE(With({{"PMI_SIZE", "8"}}).under_launcher);
  EXPECT_TRUE(With({{"PMIX_RANK", "0"}}).under_launcher);
}

TEST(NcclLaunch, SlurmCountsOnlyWithMoreThanOneTask) {
  // Inside an allocation of one task (salloc, sbatch) the tool runs alone.
  EXPECT_FALSE(With({{"SLURM_NTASKS", "1"}}).under_launcher);
  EXPECT_FALSE(With({{"SLURM_NTASKS", "x"}}).under_launcher);
  Launch l = With({{"SLURM_NTASKS", "16"}});
  EXPECT_TRUE(l.under_launcher);
  EXPECT_EQ(l.evidence, "SLURM_NTASKS=16");
}

TEST(NcclLaunch, MoreThanOneGpuPerProcessUnderALauncherIsAUsageError) {
  setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  BackendOptions o;
  o.gpus_per_process = 2;
  try {
    MakeNcclBackend(o);
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("under MPI use one process per GPU (-g 1)"), std::string::npos) << e.what();
  }
  unsetenv("OMPI_COMM_WORLD_SIZE");
}

TEST(NcclLaunch, NoGpuIsAUsageErrorNamingTheHostAndTheCudaError) {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "SLURM_NTASKS"}) unsetenv(v);
  int n = 0;
  if (cudaGetDeviceCount(&n) == cudaSuccess && n > 0) GTEST_SKIP() << n << " GPU(s) present";
  BackendOptions o;
  try {
    MakeNcclBackend(o);
    ADD_FAILURE() << "expected a UsageError";
  } catch (const UsageError& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("nccl backend: no GPU on ", 0), 0u) << m;
    EXPECT_NE(m.find("(cuda"), std::string::npos) << m;  // cudaErrorNoDevice, cudaErrorInsufficientDriver, ...
  }
}

}  // namespace
}  // namespace cb::coll
