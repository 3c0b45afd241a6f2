// Running a shell command with a deadline: the health probes (nvidia-smi, the
// kernel log) and validate's --drain-cmd hook. A sick GPU can hang nvidia-smi
// and a drain script can wait on a scheduler that does not answer; neither may
// hang the tool, so every command runs in its own process group, which is
// ended (SIGTERM, then SIGKILL 2 s later) when its time is up.
#ifndef CLUSTERBENCH_CORE_SUBPROCESS_H_
#define CLUSTERBENCH_CORE_SUBPROCESS_H_

#include <string>

namespace cb {

struct ShellResult {
  // The shell's exit status; 128 + N when signal N ended it; -1 when it could
  // not start or was ended for its time.
  int exit_status = -1;
  bool timed_out = false;
  std::string out;  // standard output, when captured
};

struct ShellOptions {
  double timeout_s = 0;       // <= 0: no deadline
  bool capture = false;       // collect standard output (else inherited)
  bool quiet_stderr = false;  // standard error to /dev/null (else inherited)
};

// Runs `command` through /bin/sh -c.
ShellResult RunShell(const std::string& command, const ShellOptions& options);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_SUBPROCESS_H_
