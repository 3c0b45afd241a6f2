// One error type for the whole project. Every failure a user can cause or meet
// is an Error carrying an exit code (documented in docs/cli.md) and enough
// context to act on: file:line:column and key path for configuration, the path
// for I/O, rank and host for communication, the failing call for CUDA/NCCL/MPI.
// main() catches it, prints one line and exits with code().
#ifndef CLUSTERBENCH_CORE_ERROR_H_
#define CLUSTERBENCH_CORE_ERROR_H_

#include <stdexcept>
#include <string>

namespace cb {

// Process exit codes. Stable: scripts depend on them (docs/cli.md).
enum class ExitCode : int {
  kOk = 0,
  kCheckFailed = 1,    // ran, but a result was wrong (wrong elements, failed verdict)
  kUsage = 2,          // bad command line: unknown flag or subcommand, conflicting flags
  kConfig = 3,         // bad configuration: YAML, key, type, unit, range, unknown name
  kIo = 4,             // file missing, unreadable, unwritable, not HDF5, truncated, locked
  kRuntime = 5,        // a backend call failed (CUDA, NCCL, MPI, BLAS) or an internal error
  kTimeout = 6,        // a watchdog fired
  kInterrupted = 130,  // SIGINT/SIGTERM: results so far are kept, run marked interrupted
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

class UsageError : public Error {
 public:
  explicit UsageError(const std::string& m) : Error(ExitCode::kUsage, m) {}
};

// Configuration errors: where names "file:line:column" (or "--set" / "<inline>").
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& m) : Error(ExitCode::kConfig, m) {}
};

class IoError : public Error {
 public:
  explicit IoError(const std::string& m) : Error(ExitCode::kIo, m) {}
};

class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& m) : Error(ExitCode::kRuntime, m) {}
};

class InterruptedError : public Error {
 public:
  explicit InterruptedError(const std::string& m) : Error(ExitCode::kInterrupted, m) {}
};

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_ERROR_H_
