#include "core/file_check.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cb {

FileCheck CheckInputFile(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) return {FileProblem::kMissing, "no such file"};
    if (err == ELOOP) return {FileProblem::kSymlinkLoop, "too many levels of symbolic links"};
    return {FileProblem::kOther, fmt::format("cannot be accessed ({})", std::strerror(err))};
  }
  if (S_ISREG(st.st_mode)) return {};
  if (S_ISDIR(st.st_mode)) return {FileProblem::kDirectory, "is a directory"};
  const char* what = S_ISFIFO(st.st_mode)   ? "a FIFO"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "neither a file nor a directory";
  return {FileProblem::kNotRegular, fmt::format("is not a regular file ({})", what)};
}

}  // namespace cb
