#include "core/file_check.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "tests/scratch_dir.h"

namespace cb {
namespace {

using FileCheckTest = cb::testing::ScratchDirTest;

// Each thing a user may pass where a file is expected is named for what it
// is, and the check never opens it (a FIFO nobody writes to would block).
TEST_F(FileCheckTest, NamesWhatStandsAtThePath) {
  const std::string file = Write("r.h5", "x");
  EXPECT_EQ(CheckInputFile(file).problem, FileProblem::kNone);
  EXPECT_EQ(CheckInputFile(file).text, "");

  const FileCheck missing = CheckInputFile(PathIn("nope.h5"));
  EXPECT_EQ(missing.problem, FileProblem::kMissing);
  EXPECT_EQ(missing.text, "no such file");
  EXPECT_EQ(CheckInputFile(file + "/below").problem, FileProblem::kMissing);  // ENOTDIR

  const FileCheck dir = CheckInputFile(dir_.string());
  EXPECT_EQ(dir.problem, FileProblem::kDirectory);
  EXPECT_EQ(dir.text, "is a directory");

  const std::string fifo = PathIn("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const FileCheck f = CheckInputFile(fifo);  // returns at once: nothing opens the FIFO
  EXPECT_EQ(f.problem, FileProblem::kNotRegular);
  EXPECT_EQ(f.text, "is not a regular file (a FIFO)");

  const FileCheck zero = CheckInputFile("/dev/zero");
  EXPECT_EQ(zero.problem, FileProblem::kNotRegular);
  EXPECT_EQ(zero.text, "is not a regular file (a character device)");

  std::filesystem::create_symlink("loop2", PathIn("loop1"));
  std::filesystem::create_symlink("loop1", PathIn("loop2"));
  const FileCheck loop = CheckInputFile(PathIn("loop1"));
  EXPECT_EQ(loop.problem, FileProblem::kSymlinkLoop);
  EXPECT_EQ(loop.text, "too many levels of symbolic links");

  std::filesystem::create_symlink("r.h5", PathIn("link.h5"));  // a link to a file is the file
  EXPECT_EQ(CheckInputFile(PathIn("link.h5")).problem, FileProblem::kNone);
}

}  // namespace
}  // namespace cb
