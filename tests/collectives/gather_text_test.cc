// GatherText: variable-length text (any bytes, any length, empty too) from
// every rank arrives intact and in rank order on rank 0 only.
#include "collectives/gather_text.h"

#include <gtest/gtest.h>

#include <mutex>

#include "collectives/backend.h"

namespace cb::coll {
namespace {

TEST(GatherText, PackingRoundTripsEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  for (size_t len : {size_t{0}, size_t{1}, size_t{5}, size_t{6}, size_t{7}, size_t{256}}) {
    const std::string text = all.substr(0, len);
    const auto words = PackText(text, (len + 5) / 6 + 2);  // padded beyond the text
    EXPECT_EQ(UnpackText(words.data(), len), text) << "length " << len;
  }
}

TEST(GatherText, RankZeroGetsEveryRanksTextInOrder) {
  BackendOptions bo;
  bo.loopback_ranks = 5;
  auto backend = MakeLoopbackBackend(bo);
  std::vector<std::string> got;
  std::mutex mu;
  std::vector<size_t> others;
  backend->Run([&](Communicator& comm) {
    // Different lengths per rank, rank 2 empty, bytes 0 and 255 included.
    std::string mine = comm.rank() == 2 ? "" : std::string(static_cast<size_t>(comm.rank() * 7 + 1), 'a' + comm.rank());
    if (comm.rank() == 3) mine += std::string("\0\xff{\"json\": 1}", 13);
    auto all = GatherText(comm, mine);
    std::lock_guard<std::mutex> lock(mu);
    if (comm.rank() == 0) {
      got = std::move(all);
    } else {
      others.push_back(all.size());
    }
  });
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], "a");
  EXPECT_EQ(got[1], std::string(8, 'b'));
  EXPECT_EQ(got[2], "");
  EXPECT_EQ(got[3], std::string(22, 'd') + std::string("\0\xff{\"json\": 1}", 13));
  EXPECT_EQ(got[4], std::string(29, 'e'));
  for (size_t n : others) EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace cb::coll
