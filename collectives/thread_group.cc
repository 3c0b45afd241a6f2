#include "collectives/thread_group.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

#include "core/error.h"

namespace cb::coll {

ThreadGroup::ThreadGroup(int size)
    : size_(size),
      values_(static_cast<size_t>(std::max(size, 0))),
      integers_(static_cast<size_t>(std::max(size, 0)), 0),
      arrived_(static_cast<size_t>(std::max(size, 0)), false) {
  if (size < 1) throw UsageError(fmt::format("thread group of {} ranks; need at least 1", size));
}

void ThreadGroup::CheckRank(int rank) const {
  if (rank < 0 || rank >= size_) {
    throw RuntimeError(fmt::format("thread group: rank {} outside 0..{}", rank, size_ - 1));
  }
}

void ThreadGroup::ThrowIfBroken() const {
  if (broken_) throw RuntimeError(fmt::format("stopped waiting for the other ranks of this process: {}", why_));
}

void ThreadGroup::Barrier() {
  std::unique_lock<std::mutex> lock(mu_);
  ThrowIfBroken();
  const uint64_t gen = generation_;
  if (++waiting_ == size_) {
    waiting_ = 0;
    ++generation_;
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return generation_ != gen || broken_; });
  if (generation_ == gen) ThrowIfBroken();
}

std::vector<double> ThreadGroup::Gather(int rank, const std::vector<double>& mine) {
  CheckRank(rank);
  values_[static_cast<size_t>(rank)] = mine;
  Barrier();
  std::vector<double> out;
  if (rank == 0) {
    for (const auto& v : values_) out.insert(out.end(), v.begin(), v.end());
  }
  Barrier();  // nobody overwrites a slot before rank 0 has read it
  return out;
}

double ThreadGroup::AllReduceMax(int rank, double v) {
  CheckRank(rank);
  values_[static_cast<size_t>(rank)] = {v};
  Barrier();
  double m = v;
  for (const auto& x : values_) m = std::max(m, x[0]);
  Barrier();
  return m;
}

int64_t ThreadGroup::AllReduceSum(int rank, int64_t v) {
  CheckRank(rank);
  integers_[static_cast<size_t>(rank)] = v;
  Barrier();
  int64_t sum = 0;
  for (int64_t x : integers_) sum += x;
  Barrier();
  return sum;
}

double ThreadGroup::Broadcast(int rank, double v) {
  CheckRank(rank);
  if (rank == 0) values_[0] = {v};
  Barrier();
  const double out = values_[0][0];
  Barrier();
  return out;
}

bool ThreadGroup::ArriveWithin(int rank, double timeout_s, std::vector<int>* missing) {
  CheckRank(rank);
  std::unique_lock<std::mutex> lock(mu_);
  ThrowIfBroken();
  const uint64_t round = arrive_round_;
  arrived_[static_cast<size_t>(rank)] = true;
  if (++arrive_count_ == size_) {
    arrive_count_ = 0;
    arrived_.assign(static_cast<size_t>(size_), false);
    ++arrive_round_;
    cv_.notify_all();
    return true;
  }
  const bool done = cv_.wait_for(lock, std::chrono::duration<double>(std::max(timeout_s, 0.0)),
                                 [&] { return arrive_round_ != round || broken_; });
  if (arrive_round_ != round) return true;
  if (done) ThrowIfBroken();
  if (rank == 0 && missing) {
    missing->clear();
    for (int r = 0; r < size_; ++r) {
      if (!arrived_[static_cast<size_t>(r)]) missing->push_back(r);
    }
  }
  return false;
}

ThreadGroup::SplitResult ThreadGroup::Split(int rank, int color, int key) {
  CheckRank(rank);
  // Every rank posts (color, key); rank 0 forms the groups.
  const std::vector<double> all = Gather(rank, {static_cast<double>(color), static_cast<double>(key)});
  if (rank == 0) {
    std::map<int, std::vector<std::pair<int, int>>> groups;  // color -> (key, rank)
    for (int r = 0; r < size_; ++r) {
      groups[static_cast<int>(all[static_cast<size_t>(2 * r)])].push_back(
          {static_cast<int>(all[static_cast<size_t>(2 * r + 1)]), r});
    }
    std::vector<SplitResult> results(static_cast<size_t>(size_));
    std::vector<std::unique_ptr<ThreadGroup>> made;
    for (auto& [c, members] : groups) {
      std::sort(members.begin(), members.end());
      made.push_back(std::make_unique<ThreadGroup>(static_cast<int>(members.size())));
      std::vector<int> order;
      for (const auto& m : members) order.push_back(m.second);
      for (size_t i = 0; i < members.size(); ++i) {
        results[static_cast<size_t>(members[i].second)] = {made.back().get(), static_cast<int>(i), order};
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& child : made) {
      if (broken_) child->Break(why_);  // broken meanwhile: the children are too
      children_.push_back(std::move(child));
    }
    split_results_ = std::move(results);
  }
  Barrier();  // every result written
  SplitResult mine;
  {
    std::lock_guard<std::mutex> lock(mu_);
    mine = split_results_[static_cast<size_t>(rank)];
  }
  Barrier();  // nobody overwrites the results before all have read theirs
  return mine;
}

void ThreadGroup::Break(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!broken_) {
    broken_ = true;
    why_ = why;
  }
  // Ranks may wait in a group split from this one: wake them too. Locks go
  // parent before child only, so this cannot deadlock.
  for (auto& child : children_) child->Break(why);
  cv_.notify_all();
}

bool ThreadGroup::broken() const {
  std::lock_guard<std::mutex> lock(mu_);
  return broken_;
}

}  // namespace cb::coll
