#include "core/interrupt.h"

#include <fmt/format.h>
#include <atomic>
#include <csignal>
#include <cstring>

#include "core/error.h"

namespace cb {
namespace {

// Signal handlers may only touch lock-free atomics.
std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void OnSignal(int sig) {
  if (g_signal.load() != 0) {
    std::signal(sig, SIG_DFL);  // second signal: let it kill us
  }
  g_signal.store(sig);
}

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool Interrupted() { return g_signal.load() != 0; }
int InterruptSignal() { return g_signal.load(); }

void ThrowIfInterrupted() {
  int s = g_signal.load();
  if (s != 0) throw InterruptedError(fmt::format("interrupted by {}", s == SIGTERM ? "SIGTERM" : "SIGINT"));
}

}  // namespace cb
