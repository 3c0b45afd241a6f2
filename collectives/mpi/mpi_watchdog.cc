#include "collectives/mpi/mpi_watchdog.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "collectives/mpi/mpi_call.h"
#include "core/error.h"
#include "core/interrupt.h"
#include "core/work_ticks.h"

namespace cb::coll::mpi_detail {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

constexpr int64_t kDone = -1;
constexpr int64_t kSignalled = -2;
// Sent beside a rank's position when it did local work since its last beat
// (core/work_ticks.h): it is progressing although its position stands still.
constexpr int64_t kWorking = -3;

std::string Name(const RankInfo& ri) { return fmt::format("rank {} ({}, {})", ri.rank, ri.host, ri.device); }

}  // namespace

MpiWatchdog::MpiWatchdog(std::unique_ptr<BeatLinks> links, const std::vector<RankInfo>& ranks, int rank,
                         double timeout_s, StallHandler on_stall, std::shared_ptr<const std::atomic<int64_t>> position)
    : links_(std::move(links)),
      ranks_(ranks),
      rank_(rank),
      size_(static_cast<int>(ranks.size())),
      timeout_s_(timeout_s),
      period_(std::clamp(timeout_s / 20, 0.05, 1.0)),
      on_stall_(std::move(on_stall)),
      position_(std::move(position)) {
  const double now = Now();
  last_seen_.assign(static_cast<size_t>(rank_ == 0 ? size_ : 1), now);
  positions_.assign(static_cast<size_t>(size_), -1);
  moved_at_ = now;
  done_.assign(last_seen_.size(), 0);
  signalled_.assign(last_seen_.size(), 0);
  thread_ = std::thread([this] { Run(); });
}

MpiWatchdog::~MpiWatchdog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void MpiWatchdog::Progress(const std::string& step) {
  std::lock_guard<std::mutex> lock(mu_);
  step_ = step;
}

void MpiWatchdog::SetWaiting(bool waiting) {
  waiting_ = waiting;
  if (waiting) return;
  // The wait's own deadline covered it; the positions' clock starts again.
  std::lock_guard<std::mutex> lock(mu_);
  moved_at_ = Now();
}

std::vector<int> MpiWatchdog::SilentRanks(double t0, double t1) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> out;
  auto add = [&](int r) {
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  };
  for (const Gap& g : gaps_) {
    if (g.from < t1 && g.to > t0) add(g.rank);
  }
  if (rank_ == 0) {
    const double now = Now();
    for (int r = 1; r < size_; ++r) {
      const double seen = last_seen_[static_cast<size_t>(r)];
      if (!done_[static_cast<size_t>(r)] && now - seen > 3 * period_ && seen < t1) add(r);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void MpiWatchdog::Record(int from, int64_t beat, double now) {
  std::lock_guard<std::mutex> lock(mu_);
  const size_t i = rank_ == 0 ? static_cast<size_t>(from) : 0;
  if (i >= last_seen_.size()) return;
  // Beats come every P; a gap of 3P means the sender was not running.
  if (now - last_seen_[i] > 3 * period_) gaps_.push_back({from, last_seen_[i], now});
  last_seen_[i] = now;
  if (beat == kDone) done_[i] = 1;
  if (beat == kSignalled) signalled_[i] = 1;
  if (rank_ == 0 && beat >= 0 && beat != positions_[i]) {
    positions_[i] = beat;
    moved_at_ = now;
  }
  if (rank_ == 0 && beat == kWorking) moved_at_ = now;
}

std::vector<int> MpiWatchdog::VanishedRanks() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<int> out;
  if (rank_ != 0) return out;
  for (int r = 1; r < size_; ++r) {
    if (!done_[static_cast<size_t>(r)] && !signalled_[static_cast<size_t>(r)]) out.push_back(r);
  }
  return out;
}

void MpiWatchdog::Stall(const std::vector<int>& silent, double now) {
  std::string who, step;
  {
    std::lock_guard<std::mutex> lock(mu_);
    step = step_;
    for (int r : silent) {
      const double quiet = now - last_seen_[rank_ == 0 ? static_cast<size_t>(r) : 0];
      who += fmt::format("{}{} (silent for {:.0f} s)", who.empty() ? "" : ", ", Name(ranks_[static_cast<size_t>(r)]),
                         quiet);
    }
  }
  EndJob(rank_ == 0 ? fmt::format("watchdog: {} stopped responding (the job was at: {}); ending the job", who,
                                  step.empty() ? "start" : step)
                    : fmt::format("watchdog: {} stopped responding (seen from {}); ending the job", who,
                                  Name(ranks_[static_cast<size_t>(rank_)])));
}

void MpiWatchdog::JudgePositions(double now) {
  if (waiting_) return;
  std::vector<int> live;
  std::string step;
  double still = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t mine = position_->load(std::memory_order_relaxed);
    const int64_t work = WorkTicks().load(std::memory_order_relaxed);
    if (mine != positions_[0] || work != work_seen_) {
      positions_[0] = mine;
      work_seen_ = work;
      moved_at_ = now;
    }
    still = now - moved_at_;
    if (still <= timeout_s_) return;
    for (int r = 0; r < size_; ++r) {
      const size_t i = static_cast<size_t>(r);
      if (done_[i] || signalled_[i]) continue;
      // A rank not beating is the silence check's (it names it stopped).
      if (r != 0 && now - last_seen_[i] > 3 * period_) return;
      if (positions_[i] < 0) return;  // its first beat has not come yet
      live.push_back(r);
    }
    step = step_.empty() ? "start" : step_;
    if (live.size() < 2) return;  // nobody waits for anybody
    int64_t lowest = positions_[static_cast<size_t>(live.front())], highest = lowest;
    for (int r : live) {
      lowest = std::min(lowest, positions_[static_cast<size_t>(r)]);
      highest = std::max(highest, positions_[static_cast<size_t>(r)]);
    }
    if (lowest != highest) {
      std::vector<int> behind;
      for (int r : live) {
        if (positions_[static_cast<size_t>(r)] == lowest) behind.push_back(r);
      }
      live = behind;
    } else {
      live.clear();
    }
  }
  if (live.empty()) {
    EndJob(
        fmt::format("watchdog: no rank progressed for {:.0f} s (--timeout {:g}): every rank is alive and inside "
                    "the same step (the job was at: {}), a collective that does not complete; ending the job",
                    still, timeout_s_, step));
  }
  std::string who;
  for (int r : live) who += fmt::format("{}{}", who.empty() ? "" : ", ", Name(ranks_[static_cast<size_t>(r)]));
  EndJob(
      fmt::format("watchdog: {} stopped progressing: alive (its watchdog answers) but for {:.0f} s (--timeout "
                  "{:g}) it has not reached the collective the other ranks wait in (the job was at: {}); ending "
                  "the job",
                  who, still, timeout_s_, step));
}

void MpiWatchdog::EndJob(const std::string& message) {
  // Said first: the name must reach the user even if the write below is cut short.
  std::fprintf(stderr, "clusterbench: error: %s\n", message.c_str());
  std::fflush(stderr);
  if (rank_ == 0 && on_stall_) {
    try {
      on_stall_(message);  // keeps the results so far
    } catch (const std::exception& e) {
      std::fprintf(stderr, "clusterbench: error: watchdog: could not keep the results so far: %s\n", e.what());
    }
  }
  AbortJobOnce(static_cast<int>(ExitCode::kTimeout));
}

void MpiWatchdog::Run() {
  // Rank 0 listens to everyone and beats to everyone; the others beat to and
  // listen to rank 0. A beat still queued (its receiver stopped reading) is
  // not queued again.
  const int peers = links_->peers();
  auto send_all = [&](int64_t value, bool always) {
    for (int k = 0; k < peers; ++k) links_->Send(k, value, always);
  };
  auto record = [&](int peer, int64_t beat) { Record(rank_ == 0 ? peer + 1 : 0, beat, Now()); };

  double next_beat = 0;
  int64_t work_sent = WorkTicks().load(std::memory_order_relaxed);
  bool said_signalled = false;
  while (!stop_) {
    const double now = Now();
    if (!said_signalled && Interrupted()) {
      // Say it now, not at the next beat: a launcher SIGKILLs a second later.
      said_signalled = true;
      if (rank_ != 0) send_all(kSignalled, true);
    }
    if (now >= next_beat) {
      send_all(rank_ == 0 ? 1 : position_->load(std::memory_order_relaxed), false);
      const int64_t work = WorkTicks().load(std::memory_order_relaxed);
      if (rank_ != 0 && work != work_sent) send_all(kWorking, false);
      work_sent = work;
      next_beat = now + period_;
    }
    std::vector<int> silent;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < last_seen_.size(); ++i) {
        if (rank_ == 0 && i == 0) continue;
        const double limit = rank_ == 0 ? timeout_s_ : timeout_s_ + 2 * period_;
        if (!done_[i] && !signalled_[i] && now - last_seen_[i] > limit) {
          silent.push_back(rank_ == 0 ? static_cast<int>(i) : 0);
        }
      }
    }
    if (!silent.empty()) Stall(silent, now);
    if (rank_ == 0) JudgePositions(now);
    // Everything that arrives while waiting for the next round.
    links_->Poll(std::min(period_ / 4, 0.05), record);
  }
  // Leaving normally: say so, so the others do not take the end for a stop.
  send_all(kDone, true);
  links_->Flush(0.5);
}

}  // namespace cb::coll::mpi_detail
