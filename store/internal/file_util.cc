#include "store/internal/file_util.h"
#include "core/node_info.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <thread>

#include "core/error.h"

namespace cb::store_internal {
namespace {

// Host part of temp file names: no dots, so the name parses from the end.
std::string SanitizedHostName() {
  const std::string host = HostName();
  std::string out;
  for (const char* p = host.c_str(); *p; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    out += (std::isalnum(c) || c == '-' || c == '_') ? static_cast<char>(c) : '_';
  }
  return out.empty() ? "unknown-host" : out;
}

// Opens (creating if needed) a lock file. flock() needs no write access, so a
// lock file another user created read-only for us still serves.
int OpenLockFile(const std::string& lock_path) {
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0 && errno == EACCES) {
    fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) errno = EACCES;  // report why it could not be created, not "no such file"
  }
  return fd;
}

std::string BaseNameOf(const std::string& path) { return std::filesystem::path(path).filename().string(); }

// Reads the "<host> pid <pid>" note the last holder left in the lock file.
std::string LastHolder(int fd) {
  std::array<char, 256> buf{};
  const ssize_t n = pread(fd, buf.data(), buf.size() - 1, 0);
  if (n <= 0) return "";
  std::string s(buf.data(), static_cast<size_t>(n));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.Release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

int UniqueFd::Release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::string ErrnoText(int err) { return std::strerror(err); }

std::string DirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

std::string LockPathFor(const std::string& target) { return target + ".lock"; }

std::string TempPathFor(const std::string& target) {
  const std::filesystem::path dir(DirectoryOf(target));
  return (dir / fmt::format(".{}.{}.{}.tmp", BaseNameOf(target), SanitizedHostName(), getpid())).string();
}

void TouchLockFile(const std::string& lock_path, const std::string& target) {
  UniqueFd fd(OpenLockFile(lock_path));
  if (!fd.valid()) {
    const int err = errno;
    throw IoError(fmt::format("cannot write results to '{}': cannot create lock file '{}': {}", target, lock_path,
                              ErrnoText(err)));
  }
}

FileLock::FileLock(const std::string& lock_path, const std::string& target, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    UniqueFd fd(OpenLockFile(lock_path));
    if (!fd.valid()) {
      const int err = errno;
      throw IoError(fmt::format("cannot lock results file '{}': cannot open lock file '{}': {}", target, lock_path,
                                ErrnoText(err)));
    }
    if (flock(fd.get(), LOCK_EX | LOCK_NB) == 0) {
      // The lock file may have been deleted (and maybe recreated) between our
      // open() and flock(): then we hold a lock nobody else will look at.
      struct stat held {};
      struct stat named {};
      if (fstat(fd.get(), &held) == 0 && stat(lock_path.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
          held.st_ino == named.st_ino) {
        // Diagnostics only: lets a waiting writer say who holds the file.
        const std::string note = fmt::format("{} pid {}\n", SanitizedHostName(), getpid());
        if (ftruncate(fd.get(), 0) == 0) {
          [[maybe_unused]] const ssize_t ignored = pwrite(fd.get(), note.data(), note.size(), 0);
        }
        fd_ = std::move(fd);
        return;
      }
      continue;  // retry on the inode the path names now
    }
    const int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      throw IoError(
          fmt::format("cannot lock results file '{}': flock('{}') failed: {}", target, lock_path, ErrnoText(err)));
    }
    if (err == EWOULDBLOCK && Clock::now() >= deadline) {
      const std::string holder = LastHolder(fd.get());
      throw IoError(
          fmt::format("results file '{}' is locked by another writer{} (gave up after {:.1f} s waiting for '{}')",
                      target, holder.empty() ? "" : fmt::format(" (last taken by {})", holder),
                      std::chrono::duration<double>(timeout).count(), lock_path));
    }
    // Commits take milliseconds, so poll quickly at first and back off.
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        pause,
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()) + std::chrono::milliseconds(1)));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

void RemoveStaleTempFiles(const std::string& target) {
  const std::string dir = DirectoryOf(target);
  const std::string prefix = "." + BaseNameOf(target) + ".";
  const std::string suffix = ".tmp";
  const std::string host = SanitizedHostName();
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() <= prefix.size() + suffix.size() || name.rfind(prefix, 0) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    // name = prefix + "<host>.<pid>" + suffix
    const std::string middle = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    const size_t dot = middle.rfind('.');
    if (dot == std::string::npos || middle.substr(0, dot) != host) continue;  // other hosts: cannot tell
    pid_t pid = 0;
    const char* first = middle.data() + dot + 1;
    const char* last = middle.data() + middle.size();
    auto [end, ec] = std::from_chars(first, last, pid);
    if (ec != std::errc() || end != last || pid <= 0 || pid == getpid()) continue;
    if (kill(pid, 0) == -1 && errno == ESRCH) {
      unlink((std::filesystem::path(dir) / name).c_str());
    }
  }
  closedir(d);
}

bool CopyFileIfExists(const std::string& from, const std::string& to) {
  UniqueFd in(open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    const int err = errno;
    if (err == ENOENT) return false;
    throw IoError(fmt::format("cannot read results file '{}': {}", from, ErrnoText(err)));
  }
  struct stat st {};
  if (fstat(in.get(), &st) != 0) {
    const int err = errno;
    throw IoError(fmt::format("cannot stat results file '{}': {}", from, ErrnoText(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    throw IoError(fmt::format("results file '{}' is not a regular file", from));
  }
  UniqueFd out(open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!out.valid()) {
    const int err = errno;
    throw IoError(fmt::format("cannot create temporary file '{}' next to '{}': {}", to, from, ErrnoText(err)));
  }
  const auto fail = [&](const char* what, int err) {
    unlink(to.c_str());
    throw IoError(fmt::format("cannot copy results file '{}' to '{}': {} failed: {}", from, to, what, ErrnoText(err)));
  };
  // Keep the original's permissions (the umask would otherwise apply).
  if (fchmod(out.get(), st.st_mode & 07777) != 0) fail("fchmod", errno);
  off_t remaining = st.st_size;
  bool use_copy_file_range = true;
  std::array<char, 1 << 16> buf{};
  while (remaining > 0) {
    if (use_copy_file_range) {
      const ssize_t n = copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(remaining), 0);
      if (n > 0) {
        remaining -= n;
        continue;
      }
      if (n == 0) fail("copy_file_range (source shrank)", EIO);
      if (errno == EINTR) continue;
      if (errno != ENOSYS && errno != EXDEV && errno != EINVAL && errno != EOPNOTSUPP) fail("copy_file_range", errno);
      use_copy_file_range = false;  // filesystem cannot: plain read/write
    }
    const ssize_t n = read(in.get(), buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", errno);
    }
    if (n == 0) fail("read (source shrank)", EIO);
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = write(out.get(), buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0) {
        if (errno == EINTR) continue;
        fail("write", errno);
      }
      done += w;
    }
    remaining -= n;
  }
  if (close(out.Release()) != 0) fail("close", errno);
  return true;
}

void FsyncPath(const std::string& path, bool is_directory) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | (is_directory ? O_DIRECTORY : 0)));
  if (!fd.valid() || fsync(fd.get()) != 0) {
    const int err = errno;
    throw IoError(fmt::format("cannot fsync '{}': {}", path, ErrnoText(err)));
  }
}

void RenameFile(const std::string& from, const std::string& to) {
  if (rename(from.c_str(), to.c_str()) != 0) {
    const int err = errno;
    throw IoError(fmt::format("cannot rename '{}' to '{}': {}", from, to, ErrnoText(err)));
  }
}

bool HasHdf5Signature(const std::string& path) {
  static constexpr char kSignature[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || fstat(fd.get(), &st) != 0) {
    const int err = errno;
    throw IoError(fmt::format("cannot read '{}': {}", path, ErrnoText(err)));
  }
  // The superblock sits at 0 or at a power of two >= 512 (a user block).
  for (off_t offset = 0; offset + 8 <= st.st_size; offset = (offset == 0 ? 512 : offset * 2)) {
    char buf[8];
    if (pread(fd.get(), buf, sizeof buf, offset) != static_cast<ssize_t>(sizeof buf)) return false;
    if (std::memcmp(buf, kSignature, sizeof buf) == 0) return true;
  }
  return false;
}

}  // namespace cb::store_internal
