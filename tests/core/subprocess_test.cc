#include "core/subprocess.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace cb {
namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(RunShell, CapturesOutputAndExitStatus) {
  ShellResult r = RunShell("echo hello; echo world; exit 3", {.timeout_s = 10, .capture = true});
  EXPECT_EQ(r.out, "hello\nworld\n");
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(RunShell("true", {}).exit_status, 0);
  EXPECT_EQ(RunShell("no-such-command-here", {.quiet_stderr = true}).exit_status, 127);
}

// More than a pipe's buffer (64 KiB) must not block the child.
TEST(RunShell, CapturesLargeOutput) {
  ShellResult r = RunShell("head -c 1000000 /dev/zero", {.timeout_s = 30, .capture = true});
  EXPECT_EQ(r.out.size(), 1000000u);
  EXPECT_EQ(r.exit_status, 0);
}

TEST(RunShell, SignalIsReportedAs128PlusN) { EXPECT_EQ(RunShell("kill -9 $$", {}).exit_status, 128 + 9); }

// A hung command is ended at its deadline, with whatever it started in the
// background: the marker file the grandchild would write never appears.
TEST(RunShell, DeadlineEndsTheWholeGroup) {
  const auto marker = std::filesystem::temp_directory_path() / "cb_subprocess_test_marker";
  std::filesystem::remove(marker);
  const auto t0 = std::chrono::steady_clock::now();
  ShellResult r = RunShell("(sleep 1; touch " + marker.string() + ") & sleep 30", {.timeout_s = 0.3, .capture = true});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_status, -1);
  EXPECT_LT(Seconds(t0), 10.0);  // generous: the deadline is 0.3 s, the kill 2 s at most after it
  ShellResult ignores = RunShell("trap '' TERM; sleep 30", {.timeout_s = 0.2});
  EXPECT_TRUE(ignores.timed_out);  // SIGKILL after SIGTERM is ignored
  EXPECT_LT(Seconds(t0), 20.0);
  RunShell("sleep 1.5", {});  // past when the grandchild would have written
  EXPECT_FALSE(std::filesystem::exists(marker));
}

}  // namespace
}  // namespace cb
