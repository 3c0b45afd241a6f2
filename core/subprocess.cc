#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>

namespace cb {
namespace {

using Clock = std::chrono::steady_clock;

int StatusOf(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return -1;
}

// Reads what is there without blocking; false at end of file or error.
bool Drain(int fd, std::string* out) {
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = read(fd, buf.data(), buf.size());
    if (n > 0) {
      out->append(buf.data(), static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

// Ends the group: SIGTERM, and SIGKILL when it is still there 2 s later.
void EndGroup(pid_t pid) {
  kill(-pid, SIGTERM);
  const auto kill_at = Clock::now() + std::chrono::seconds(2);
  int st = 0;
  while (Clock::now() < kill_at) {
    if (waitpid(pid, &st, WNOHANG) == pid) {
      kill(-pid, SIGKILL);  // what the shell left behind in its group
      return;
    }
    usleep(20000);
  }
  kill(-pid, SIGKILL);
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

ShellResult RunShell(const std::string& command, const ShellOptions& options) {
  ShellResult r;
  std::array<int, 2> pipefd{-1, -1};
  if (options.capture && pipe(pipefd.data()) != 0) return r;
  std::fflush(nullptr);  // nothing buffered may be written twice
  const pid_t pid = fork();
  if (pid < 0) {
    if (options.capture) {
      close(pipefd[0]);
      close(pipefd[1]);
    }
    return r;
  }
  if (pid == 0) {
    setpgid(0, 0);
    if (options.capture) {
      dup2(pipefd[1], STDOUT_FILENO);
      close(pipefd[0]);
      close(pipefd[1]);
    }
    if (options.quiet_stderr) {
      const int null = open("/dev/null", O_WRONLY);
      if (null >= 0) dup2(null, STDERR_FILENO);
    }
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here: no race with the child's own call
  int fd = -1;
  if (options.capture) {
    close(pipefd[1]);
    fd = pipefd[0];
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  const bool deadline = options.timeout_s > 0;
  const auto end_at = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(deadline ? options.timeout_s : 0));
  int st = 0;
  for (;;) {
    const pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid) {
      r.exit_status = StatusOf(st);
      break;
    }
    if (w < 0 && errno != EINTR) break;
    if (deadline && Clock::now() >= end_at) {
      EndGroup(pid);
      r.timed_out = true;
      r.exit_status = -1;
      break;
    }
    if (fd >= 0) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) > 0 && !Drain(fd, &r.out)) {
        close(fd);  // end of file: only the exit is left to wait for
        fd = -1;
      }
    } else {
      usleep(20000);
    }
  }
  if (fd >= 0) {
    Drain(fd, &r.out);
    close(fd);
  }
  return r;
}

}  // namespace cb
