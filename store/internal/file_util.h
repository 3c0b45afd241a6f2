// POSIX file operations behind the results file's crash safety and locking
// (docs/results-schema.md, "Crash safety and concurrent writers").
//
// The writer never modifies the results file in place: each commit copies it
// to a private temp file next to it, changes the copy, fsyncs it and rename()s
// it over the original. A commit holds an flock on "<path>.lock" so that two
// writers appending to one file serialize instead of losing each other's runs.
#ifndef CLUSTERBENCH_STORE_INTERNAL_FILE_UTIL_H_
#define CLUSTERBENCH_STORE_INTERNAL_FILE_UTIL_H_

#include <chrono>
#include <string>

namespace cb::store_internal {

// Owns a file descriptor; closes it on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release();

 private:
  int fd_ = -1;
};

// Exclusive advisory lock (flock) on `lock_path`, held for the object's life.
// The lock file is created if missing and never deleted: deleting it could let
// a second writer lock a fresh inode while the first still holds the old one,
// so after locking we re-check that the path still names the inode we hold.
class FileLock {
 public:
  // Waits up to `timeout` (0: one attempt). On timeout throws cb::IoError
  // whose message says `target` is locked and names the last holder.
  FileLock(const std::string& lock_path, const std::string& target, std::chrono::milliseconds timeout);
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() = default;  // closing the descriptor releases the lock

 private:
  UniqueFd fd_;
};

// Creates (or opens) the lock file for `target` without locking it, so that an
// unwritable directory is reported when the writer is constructed rather than
// after the benchmark has run. Throws cb::IoError.
void TouchLockFile(const std::string& lock_path, const std::string& target);

// The lock file guarding `target`: "<target>.lock".
std::string LockPathFor(const std::string& target);

// This process's temp file for `target`: "<dir>/.<name>.<host>.<pid>.tmp".
std::string TempPathFor(const std::string& target);

// Deletes temp files for `target` left by dead processes on this host (a
// writer killed mid-commit). Call with the lock held. Best effort: errors are
// ignored because a leftover temp file is harmless.
void RemoveStaleTempFiles(const std::string& target);

// Copies `from` to the new file `to` (which must not exist), keeping the
// permission bits. Returns false, creating nothing, when `from` does not
// exist. Throws cb::IoError on any other failure (`to` is removed).
bool CopyFileIfExists(const std::string& from, const std::string& to);

// fsync()s a regular file or a directory. Throws cb::IoError.
void FsyncPath(const std::string& path, bool is_directory);

// rename(2) that throws cb::IoError.
void RenameFile(const std::string& from, const std::string& to);

// True when `path` holds the HDF5 signature at offset 0, 512, 1024, 2048, ...
// (where the format allows a superblock). Throws cb::IoError if unreadable.
bool HasHdf5Signature(const std::string& path);

// The directory part of `path` ("." for a bare file name).
std::string DirectoryOf(const std::string& path);

// "No such file or directory" etc. for `err`.
std::string ErrnoText(int err);

}  // namespace cb::store_internal

#endif  // CLUSTERBENCH_STORE_INTERNAL_FILE_UTIL_H_
