#include "core/file_check.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "core/error.h"

namespace fs = std::filesystem;

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

void CheckOutputWritable(const std::string& path) {
  if (path.empty()) return;
  fs::path p(path);
  std::error_code ec;
  if (fs::is_directory(p, ec)) throw IoError(fmt::format("{}: output is a directory, not a file", path));
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  if (!fs::is_directory(dir, ec)) {
    throw IoError(fmt::format("{}: output directory '{}' does not exist", path, dir.string()));
  }
  if (access(dir.c_str(), W_OK) != 0) {
    throw IoError(fmt::format("{}: output directory '{}' is not writable", path, dir.string()));
  }
  if (fs::exists(p, ec) && access(p.c_str(), W_OK) != 0) {
    throw IoError(fmt::format("{}: output file is not writable", path));
  }
}

}  // namespace cb
