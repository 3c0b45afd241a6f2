#include "collectives/interrupt_keeper.h"

#include <fmt/format.h>
#include <chrono>
#include <cstdio>
#include <exception>

#include "core/interrupt.h"

namespace cb::coll {

InterruptKeeper::InterruptKeeper(const Communicator& world, std::function<void(const std::string&)> keep) {
  if (world.rank() != 0 || !keep) return;
  thread_ = std::thread([this, &world, keep = std::move(keep)] {
    using Clock = std::chrono::steady_clock;
    Clock::time_point since{};
    bool signalled = false;
    while (!finished_) {
      if (Interrupted()) {
        if (!signalled) since = Clock::now();
        signalled = true;
        if (std::chrono::duration<double>(Clock::now() - since).count() > kInterruptGrace) {
          std::string vanished;
          for (int r : world.VanishedRanks()) {
            const RankInfo& ri = world.ranks()[static_cast<size_t>(r)];
            vanished += fmt::format("{}rank {} ({}, {})", vanished.empty() ? "" : ", ", r, ri.host, ri.device);
          }
          if (!vanished.empty()) {
            vanished += " vanished (killed or crashed: did not answer the signal); the launcher ended the job";
          }
          try {
            keep(vanished);
            fired_ = true;
          } catch (const std::exception& e) {
            std::fprintf(stderr, "clusterbench: error: could not keep the results so far: %s\n", e.what());
          }
          return;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
}

InterruptKeeper::~InterruptKeeper() { Finish(); }

void InterruptKeeper::Finish() {
  finished_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace cb::coll
