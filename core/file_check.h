// What stands at a path a user gave as an input file (a results file, a
// configuration, a suite), so that every reader says the same thing about a
// directory, a FIFO, a device or a symbolic-link loop instead of "no such
// file", and none of them blocks opening a FIFO that nobody writes to.
#ifndef CLUSTERBENCH_CORE_FILE_CHECK_H_
#define CLUSTERBENCH_CORE_FILE_CHECK_H_

#include <string>

namespace cb {

enum class FileProblem {
  kNone,         // a regular file (after following symbolic links)
  kMissing,      // nothing there (ENOENT, or a path component is not a directory)
  kDirectory,    // a directory
  kNotRegular,   // a FIFO, a socket, a character or block device (/dev/zero)
  kSymlinkLoop,  // ELOOP: too many levels of symbolic links
  kOther,        // stat(2) failed otherwise (a search permission denied, ...)
};

struct FileCheck {
  FileProblem problem = FileProblem::kNone;
  // Empty for kNone; else what a message says after "<path>: ": "no such
  // file", "is a directory", "is not a regular file (a FIFO)", "too many
  // levels of symbolic links", "cannot be accessed (Permission denied)".
  std::string text;
};

// Looks at `path` with stat(2) only: never opens it, so a FIFO cannot block
// and a device is never read.
FileCheck CheckInputFile(const std::string& path);

// Fails early (IoError) if `path` cannot be written: its directory is missing
// or not writable, or it is a directory. Nothing is measured in vain. An empty
// path (no output asked for) passes.
void CheckOutputWritable(const std::string& path);

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_FILE_CHECK_H_
