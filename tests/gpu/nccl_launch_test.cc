// Runs everywhere the NCCL backend is built (CTest label unit, no GPU
// needed): how the backend reads its launch from the environment, and that a
// machine without a GPU gets a clear usage error instead of a crash.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

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

// Scalable init: one root per 128 ranks unless CB_NCCL_INIT_ROOTS says
// otherwise (capped at the rank count); anything but a positive integer is a
// usage error naming the variable.
TEST(NcclInitRoots, DefaultIsOneRootPer128RanksAndTheVariableOverridesIt) {
  EXPECT_EQ(NcclInitRoots(1, nullptr), 1);
  EXPECT_EQ(NcclInitRoots(128, nullptr), 1);  // ncclCommInitRank, as before
  EXPECT_EQ(NcclInitRoots(129, ""), 2);
  EXPECT_EQ(NcclInitRoots(1024, nullptr), 8);
  EXPECT_EQ(NcclInitRoots(100000, nullptr), 782);
  EXPECT_EQ(NcclInitRoots(16, "4"), 4);
  EXPECT_EQ(NcclInitRoots(2, "4"), 2);
  for (const char* bad : {"0", "-3", "two", "4x"}) {
    try {
      NcclInitRoots(16, bad);
      ADD_FAILURE() << "expected a UsageError for " << bad;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("CB_NCCL_INIT_ROOTS=") + bad), std::string::npos) << e.what();
    }
  }
}

// NCCL's design notes' example: 17 ranks over 5 roots are served 4 4 3 3 3,
// so the roots are ranks 0, 4, 8, 11 and 14. For any job, exactly `roots`
// ranks hold one, rank 0 among them.
TEST(NcclInitRoots, RootRanksStartEachShareOfTheBootstrap) {
  std::vector<int> holders;
  for (int r = 0; r < 17; ++r) {
    if (HoldsInitRoot(r, 17, 5)) holders.push_back(r);
  }
  EXPECT_EQ(holders, (std::vector<int>{0, 4, 8, 11, 14}));
  for (int ranks : {1, 2, 7, 128, 129, 1000, 4099}) {
    for (int roots = 1; roots <= std::min(ranks, 40); ++roots) {
      int n = 0;
      for (int r = 0; r < ranks; ++r) n += HoldsInitRoot(r, ranks, roots) ? 1 : 0;
      EXPECT_EQ(n, roots) << ranks << " ranks, " << roots << " roots";
      EXPECT_TRUE(HoldsInitRoot(0, ranks, roots));
    }
  }
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
