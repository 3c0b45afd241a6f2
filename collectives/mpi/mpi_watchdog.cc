#include "collectives/mpi/mpi_watchdog.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "collectives/mpi/mpi_call.h"
#include "core/error.h"
#include "core/interrupt.h"

namespace cb::coll::mpi_detail {
namespace {

double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

constexpr int kBeatTag = 903;
constexpr int64_t kDone = -1;
constexpr int64_t kSignalled = -2;

std::string Name(const RankInfo& ri) { return fmt::format("rank {} ({}, {})", ri.rank, ri.host, ri.device); }

}  // namespace

MpiWatchdog::MpiWatchdog(MPI_Comm parent, const std::vector<RankInfo>& ranks, int rank, double timeout_s,
                         StallHandler on_stall)
    : ranks_(ranks),
      rank_(rank),
      size_(static_cast<int>(ranks.size())),
      timeout_s_(timeout_s),
      period_(std::clamp(timeout_s / 20, 0.05, 1.0)),
      on_stall_(std::move(on_stall)) {
  CheckMpi(MPI_Comm_dup(parent, &comm_), "MPI_Comm_dup", "starting the progress watchdog");
  const double now = Now();
  last_seen_.assign(static_cast<size_t>(rank_ == 0 ? size_ : 1), now);
  done_.assign(last_seen_.size(), 0);
  signalled_.assign(last_seen_.size(), 0);
  thread_ = std::thread([this] { Run(); });
}

MpiWatchdog::~MpiWatchdog() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized && comm_ != MPI_COMM_NULL) MPI_Comm_free(&comm_);
}

void MpiWatchdog::Progress(const std::string& step) {
  ++progress_;
  std::lock_guard<std::mutex> lock(mu_);
  step_ = step;
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
  const std::string message = rank_ == 0
                                  ? fmt::format("watchdog: {} stopped responding (the job was at: {}); ending the job",
                                                who, step.empty() ? "start" : step)
                                  : fmt::format("watchdog: {} stopped responding (seen from {}); ending the job", who,
                                                Name(ranks_[static_cast<size_t>(rank_)]));
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
  // listen to rank 0. Small eager messages: a send completes locally even
  // when its receiver is stopped; a send still pending is not repeated.
  int64_t in = 0;
  MPI_Request recv = MPI_REQUEST_NULL;
  const int source = rank_ == 0 ? MPI_ANY_SOURCE : 0;
  MPI_Irecv(&in, 1, MPI_INT64_T, source, kBeatTag, comm_, &recv);
  const int peers = rank_ == 0 ? size_ - 1 : 1;
  std::vector<int64_t> out(static_cast<size_t>(peers), 0);
  std::vector<MPI_Request> sends(static_cast<size_t>(peers), MPI_REQUEST_NULL);
  // A beat still pending (its receiver stopped) is dropped before a message
  // that must go out now.
  auto drop_pending = [&] {
    for (MPI_Request& s : sends) {
      if (s == MPI_REQUEST_NULL) continue;
      int done = 0;
      MPI_Test(&s, &done, MPI_STATUS_IGNORE);
      if (!done) MPI_Request_free(&s);
      s = MPI_REQUEST_NULL;
    }
  };
  auto send_all = [&](int64_t value) {
    for (int k = 0; k < peers; ++k) {
      MPI_Request& s = sends[static_cast<size_t>(k)];
      int done = 1;
      if (s != MPI_REQUEST_NULL) MPI_Test(&s, &done, MPI_STATUS_IGNORE);
      if (!done) continue;
      out[static_cast<size_t>(k)] = value;
      MPI_Isend(&out[static_cast<size_t>(k)], 1, MPI_INT64_T, rank_ == 0 ? k + 1 : 0, kBeatTag, comm_, &s);
    }
  };

  double next_beat = 0;
  bool said_signalled = false;
  while (!stop_) {
    const double now = Now();
    if (!said_signalled && Interrupted()) {
      // Say it now, not at the next beat: a launcher SIGKILLs a second later.
      said_signalled = true;
      if (rank_ != 0) {
        drop_pending();
        send_all(kSignalled);
      }
    }
    // Everything that arrived.
    for (;;) {
      int done = 0;
      MPI_Status status;
      if (MPI_Test(&recv, &done, &status) != MPI_SUCCESS || !done) break;
      Record(status.MPI_SOURCE, in, now);
      MPI_Irecv(&in, 1, MPI_INT64_T, source, kBeatTag, comm_, &recv);
    }
    if (now >= next_beat) {
      send_all(rank_ == 0 ? 1 : progress_.load());
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
    std::this_thread::sleep_for(std::chrono::duration<double>(std::min(period_ / 4, 0.05)));
  }
  // Leaving normally: say so, so the others do not take the end for a stop.
  drop_pending();
  send_all(kDone);
  for (MPI_Request& s : sends) {
    if (s != MPI_REQUEST_NULL) MPI_Request_free(&s);
  }
  if (recv != MPI_REQUEST_NULL) {
    MPI_Cancel(&recv);
    MPI_Wait(&recv, MPI_STATUS_IGNORE);
  }
}

}  // namespace cb::coll::mpi_detail
