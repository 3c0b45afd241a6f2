// Terminal logging for humans, on stderr so stdout stays machine-readable
// (--format json). Verbosity is per Logger, not global: commands own one.
#ifndef CLUSTERBENCH_CORE_LOG_H_
#define CLUSTERBENCH_CORE_LOG_H_

#include <fmt/format.h>

#include <cstdio>
#include <string>

namespace cb {

enum class Verbosity { kQuiet = 0, kNormal = 1, kVerbose = 2 };

class Logger {
 public:
  explicit Logger(Verbosity v = Verbosity::kNormal, std::string prefix = "") : v_(v), prefix_(std::move(prefix)) {}
  Verbosity verbosity() const { return v_; }

  template <typename... Args>
  void Info(fmt::format_string<Args...> f, Args&&... args) const {
    if (v_ >= Verbosity::kNormal) Write("", fmt::format(f, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... args) const {
    if (v_ >= Verbosity::kVerbose) Write("debug: ", fmt::format(f, std::forward<Args>(args)...));
  }
  // Warnings show even with -q: they change what a result means.
  template <typename... Args>
  void Warn(fmt::format_string<Args...> f, Args&&... args) const {
    Write("warning: ", fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  void Write(const char* level, const std::string& msg) const {
    std::fprintf(stderr, "%s%s%s\n", prefix_.c_str(), level, msg.c_str());
  }
  Verbosity v_;
  std::string prefix_;
};

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_LOG_H_
