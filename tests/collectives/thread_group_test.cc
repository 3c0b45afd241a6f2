// ThreadGroup::Split, the in-process MPI_Comm_split the NCCL backend's
// one-process mode (-g N) splits its control plane with.
//
// Scenario: 6 threads split by rank mod 3, key = -rank (reverse order inside
// each group). Expected, as MPI_Comm_split gives: three groups of two;
// group c holds ranks {c, c+3} ordered by key, so members = {c+3, c} and
// rank c+3 is rank 0 of its group. The child groups work as groups (a sum
// over a group is the sum of its members' values), and breaking the parent
// wakes a rank waiting in a child.
#include "collectives/thread_group.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "core/error.h"

namespace cb::coll {
namespace {

TEST(ThreadGroupSplit, GroupsByColorOrderedByKeyLikeMpiCommSplit) {
  constexpr int kRanks = 6;
  ThreadGroup world(kRanks);
  std::vector<ThreadGroup::SplitResult> got(kRanks);
  std::vector<int64_t> sums(kRanks, 0);
  std::vector<std::thread> threads;
  for (int r = 0; r < kRanks; ++r) {
    threads.emplace_back([&, r] {
      got[static_cast<size_t>(r)] = world.Split(r, r % 3, -r);
      const auto& s = got[static_cast<size_t>(r)];
      sums[static_cast<size_t>(r)] = s.group->AllReduceSum(s.rank, r);
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < kRanks; ++r) {
    const auto& s = got[static_cast<size_t>(r)];
    const int c = r % 3;
    ASSERT_NE(s.group, nullptr);
    EXPECT_EQ(s.group->size(), 2) << "rank " << r;
    EXPECT_EQ(s.members, (std::vector<int>{c + 3, c})) << "rank " << r;
    EXPECT_EQ(s.rank, r == c + 3 ? 0 : 1) << "rank " << r;
    EXPECT_EQ(s.group, got[static_cast<size_t>(r < 3 ? r + 3 : r - 3)].group) << "rank " << r;
    EXPECT_EQ(sums[static_cast<size_t>(r)], 2 * c + 3) << "rank " << r;
  }
  EXPECT_NE(got[0].group, got[1].group);
}

TEST(ThreadGroupSplit, BreakingTheParentWakesRanksWaitingInAChild) {
  ThreadGroup world(2);
  std::vector<ThreadGroup::SplitResult> got(2);
  {
    std::thread other([&] { got[1] = world.Split(1, 0, 1); });
    got[0] = world.Split(0, 0, 0);
    other.join();
  }
  // Rank 0 waits in the child for rank 1, which never comes; the parent breaks.
  std::thread breaker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    world.Break("rank 1 failed");
  });
  EXPECT_THROW(got[0].group->Barrier(), RuntimeError);
  breaker.join();
  EXPECT_TRUE(got[0].group->broken());
}

}  // namespace
}  // namespace cb::coll
