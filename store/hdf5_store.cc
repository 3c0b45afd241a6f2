#include "store/hdf5_store.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>
#include <thread>
#include <tuple>

#include "core/error.h"
#include "core/file_check.h"
#include "core/utf8.h"
#include "store/internal/file_util.h"
#include "store/internal/h5_util.h"

namespace cb {
namespace {

using store_internal::H5Check;
using store_internal::H5Id;

constexpr char kRunsGroup[] = "runs";
// How many names an "unknown run/table" error lists before summarising.
constexpr size_t kMaxNamesListed = 20;

// Every member of a table's compound type is 8 bytes in memory: int64_t,
// double or a char* to a variable-length string.
static_assert(sizeof(int64_t) == 8 && sizeof(double) == 8 && sizeof(char*) == 8);
constexpr size_t kMemberSize = 8;

// --- Names -----------------------------------------------------------------

// Run ids and table names become HDF5 link names, and column names become
// compound member names that h5py decodes as UTF-8.
void ValidateName(const std::string& name, const char* what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      SanitizeUtf8(name) != name) {
    throw RuntimeError(fmt::format("invalid {} '{}': it must be non-empty UTF-8 text without '/'", what, name));
  }
}

std::string ListNames(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (size_t i = 0; i < names.size() && i < kMaxNamesListed; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
  if (names.size() > kMaxNamesListed) out += fmt::format(", ... ({} more)", names.size() - kMaxNamesListed);
  return out;
}

// --- Opening and validating files -------------------------------------------

H5Id ReadAccessProperties(const std::string& path) {
  H5Id fapl(H5Check(H5Pcreate(H5P_FILE_ACCESS), "create file access properties", path));
  // Writers never change a results file in place (they rename a new one over
  // it), so readers need no HDF5 file lock, and skipping it lets files on
  // filesystems without flock support (some Lustre/NFS mounts) be read.
  H5Check(H5Pset_file_locking(fapl.get(), false, true), "disable HDF5 file locking", path);
  return fapl;
}

H5Id WriteAccessProperties(const std::string& path) {
  H5Id fapl = ReadAccessProperties(path);  // the temp copy is private to this process
  // The HDF5 1.8 format: readable by every HDF5 since 2008 (h5py included),
  // and unlike the 1.0 format it stores large attributes (long environment
  // lists, big configs) and keeps a checksummed superblock.
  H5Check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18), "set HDF5 format version", path);
  return fapl;
}

// Checks the root attributes that make an HDF5 file a results file we can
// read; returns the schema version. `path` is the name the user knows.
int ValidateResultsFile(hid_t file, const std::string& path) {
  const auto format = store_internal::ReadStringAttribute(file, "format", path);
  if (!format || *format != kResultsFormat) {
    throw IoError(
        fmt::format("'{}' is an HDF5 file but not a clusterbench results file (root attribute "
                    "'format' is {}, expected '{}')",
                    path, format ? "'" + *format + "'" : "missing", kResultsFormat));
  }
  const auto version = store_internal::ReadInt64Attribute(file, "schema_version", path);
  if (!version || *version < 1) {
    throw IoError(
        fmt::format("'{}' is not a valid clusterbench results file: root attribute 'schema_version' "
                    "is missing or invalid",
                    path));
  }
  if (*version > kResultsSchemaVersion) {
    throw IoError(
        fmt::format("'{}' uses results schema version {}, newer than version {} that this "
                    "clusterbench understands; use a newer clusterbench",
                    path, *version, kResultsSchemaVersion));
  }
  return static_cast<int>(*version);
}

// Opens the HDF5 file at `hdf5_path` (the results file itself, or a temp copy
// of it) after checking what it is; error messages name `shown_path`.
H5Id OpenExistingResultsFile(const std::string& hdf5_path, const std::string& shown_path, bool writable,
                             int* schema_version) {
  if (!store_internal::HasHdf5Signature(hdf5_path)) {
    struct stat st {};
    const bool empty = stat(hdf5_path.c_str(), &st) == 0 && st.st_size == 0;
    throw IoError(fmt::format("'{}' is not an HDF5 file{}", shown_path, empty ? " (it is empty)" : ""));
  }
  H5Id fapl = writable ? WriteAccessProperties(shown_path) : ReadAccessProperties(shown_path);
  H5Id file(H5Fopen(hdf5_path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.get()));
  if (!file.valid()) {
    throw IoError(fmt::format("'{}' is an HDF5 file but truncated or corrupt: {}", shown_path,
                              store_internal::TakeHdf5ErrorDetail()));
  }
  const int version = ValidateResultsFile(file.get(), shown_path);
  if (schema_version) *schema_version = version;
  return file;
}

// Checks that `path` names an existing regular file; the message says what
// is wrong in the words a user searches for.
void CheckIsExistingFile(const std::string& path) {
  const FileCheck check = CheckInputFile(path);
  if (check.problem != FileProblem::kNone) throw IoError(fmt::format("results file '{}': {}", path, check.text));
}

// --- Writing ------------------------------------------------------------------

// Follows symbolic links (also dangling ones, whose target is created): the
// commit's rename() would otherwise replace the link itself and silently
// detach it from the file it points to.
std::string ResolveSymlinks(const std::string& path) {
  std::filesystem::path p(path);
  for (int hops = 0; hops < 40; ++hops) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(p, ec)) return p.string();
    const std::filesystem::path target = std::filesystem::read_symlink(p, ec);
    if (ec) {
      throw IoError(fmt::format("cannot write results to '{}': cannot read symbolic link '{}': {}", path, p.string(),
                                ec.message()));
    }
    p = (target.is_absolute() ? target : p.parent_path() / target).lexically_normal();
  }
  throw IoError(fmt::format("cannot write results to '{}': too many levels of symbolic links", path));
}

H5Id LinkCreateProperties(const std::string& path) {
  H5Id lcpl(H5Check(H5Pcreate(H5P_LINK_CREATE), "create link properties", path));
  H5Check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "set link name encoding", path);
  return lcpl;
}

// A group that remembers the order its members were created in, so that
// tables list in the order a benchmark wrote them.
H5Id CreateOrderedGroup(hid_t parent, const std::string& name, const std::string& path) {
  const std::string what = fmt::format("create group '{}'", name);
  H5Id lcpl = LinkCreateProperties(path);
  H5Id gcpl(H5Check(H5Pcreate(H5P_GROUP_CREATE), what, path));
  H5Check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED), what, path);
  return H5Id(H5Check(H5Gcreate2(parent, name.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT), what, path));
}

H5Id OpenRunGroup(hid_t file, const std::string& run_id, const std::string& path) {
  const std::string run_path = fmt::format("/{}/{}", kRunsGroup, run_id);
  if (!store_internal::HasLink(file, kRunsGroup, path) || !store_internal::HasLink(file, run_path, path)) {
    throw IoError(
        fmt::format("results file '{}' no longer has run '{}' (was the file replaced while "
                    "the run was being written?)",
                    path, run_id));
  }
  return H5Id(H5Check(H5Gopen2(file, run_path.c_str(), H5P_DEFAULT), "open group " + run_path, path));
}

void WriteRunAttributes(hid_t group, const RunInfo& info, const std::string& path) {
  using store_internal::WriteStringAttribute;
  WriteStringAttribute(group, "kind", info.kind, path);
  WriteStringAttribute(group, "status", RunStatusName(info.status), path);
  WriteStringAttribute(group, "start_time", info.start_time, path);
  WriteStringAttribute(group, "end_time", info.end_time, path);
  WriteStringAttribute(group, "tool_version", info.tool_version, path);
  WriteStringAttribute(group, "git_revision", info.git_revision, path);
  WriteStringAttribute(group, "command_line", info.command_line, path);
  store_internal::WriteStringArrayAttribute(group, "hosts", info.hosts, path);
  store_internal::WriteInt64Attribute(group, "rank_count", info.rank_count, path);
  WriteStringAttribute(group, "config_yaml", info.config_yaml, path);
  // "KEY=VALUE" entries (sorted by key) rather than one text blob: a value
  // may itself contain newlines, and an array keeps the mapping lossless.
  std::vector<std::string> environment;
  environment.reserve(info.environment.size());
  for (const auto& [key, value] : info.environment) environment.push_back(key + "=" + value);
  store_internal::WriteStringArrayAttribute(group, "environment", environment, path);
  WriteStringAttribute(group, "message", info.message, path);
}

// The compound type of a table's rows. File types are fixed little-endian so
// files move between machines; memory types are native. Both use the packed
// 8-byte-per-member layout of the row buffer built in WriteTableDataset.
H5Id MakeRowType(const std::vector<Column>& columns, bool for_file, hid_t string_type, const std::string& path) {
  const std::string what = "create table row type";
  H5Id type(H5Check(H5Tcreate(H5T_COMPOUND, columns.size() * kMemberSize), what, path));
  for (size_t i = 0; i < columns.size(); ++i) {
    hid_t member = string_type;
    switch (columns[i].type) {
      case ColumnType::kInt64:
        member = for_file ? H5T_STD_I64LE : H5T_NATIVE_INT64;
        break;
      case ColumnType::kFloat64:
        member = for_file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
        break;
      case ColumnType::kString:
        member = string_type;
        break;
    }
    H5Check(H5Tinsert(type.get(), columns[i].name.c_str(), i * kMemberSize, member), what, path);
  }
  return type;
}

void WriteTableDataset(hid_t group, const Table& table, const std::string& path) {
  const std::vector<Column>& columns = table.columns();
  const size_t rows = table.size();
  const std::string what = fmt::format("write table '{}'", table.name());
  H5Id string_type = store_internal::MakeUtf8StringType(path);
  H5Id file_type = MakeRowType(columns, /*for_file=*/true, string_type.get(), path);
  H5Id mem_type = MakeRowType(columns, /*for_file=*/false, string_type.get(), path);

  // Row-major buffer in the memory type's layout. Strings are repaired copies
  // that must outlive H5Dwrite; reserve() keeps their c_str() pointers valid.
  std::vector<unsigned char> buffer(rows * columns.size() * kMemberSize);
  std::vector<std::string> strings;
  strings.reserve(rows * columns.size());
  for (size_t r = 0; r < rows; ++r) {
    const std::vector<Cell>& row = table.rows()[r];
    for (size_t c = 0; c < columns.size(); ++c) {
      unsigned char* slot = buffer.data() + (r * columns.size() + c) * kMemberSize;
      const Cell& cell = row[c];
      if (const auto* i = std::get_if<int64_t>(&cell); i && columns[c].type == ColumnType::kInt64) {
        std::memcpy(slot, i, kMemberSize);
      } else if (const auto* d = std::get_if<double>(&cell); d && columns[c].type == ColumnType::kFloat64) {
        std::memcpy(slot, d, kMemberSize);
      } else if (const auto* s = std::get_if<std::string>(&cell); s && columns[c].type == ColumnType::kString) {
        strings.push_back(SanitizeUtf8(*s));
        const char* ptr = strings.back().c_str();
        std::memcpy(slot, &ptr, kMemberSize);
      } else {
        throw RuntimeError(fmt::format("table '{}': row {} column '{}' does not hold the column's type", table.name(),
                                       r, columns[c].name));
      }
    }
  }

  const hsize_t dims[1] = {rows};
  H5Id space(H5Check(H5Screate_simple(1, dims, dims), what, path));
  H5Id lcpl = LinkCreateProperties(path);
  H5Id dataset(H5Check(
      H5Dcreate2(group, table.name().c_str(), file_type.get(), space.get(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), what,
      path));
  if (rows > 0) {
    H5Check(H5Dwrite(dataset.get(), mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), what, path);
  }
  std::vector<std::string> units;
  std::vector<std::string> descriptions;
  for (const Column& c : columns) {
    units.push_back(c.units);
    descriptions.push_back(c.description);
  }
  store_internal::WriteStringAttribute(dataset.get(), "description", table.description(), path);
  store_internal::WriteStringArrayAttribute(dataset.get(), "column_units", units, path);
  store_internal::WriteStringArrayAttribute(dataset.get(), "column_descriptions", descriptions, path);
}

// Copy-on-write replaces the file through its directory, which would bypass a
// read-only mode a user set to protect the file; honour it explicitly. The
// mode bits are checked first: access(2) says "writable" to root whatever
// the mode, and a file nobody may write (chmod a-w, 0444) is read-only for
// root too. A missing file (the first commit creates it) passes.
void CheckExistingFileWritable(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) == 0) {
    throw IoError(fmt::format(
        "cannot write results to '{}': the file is read-only (mode {:04o}, no write permission for anyone); "
        "chmod u+w it to append",
        path, st.st_mode & 07777));
  }
  if (faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0 && (errno == EACCES || errno == EROFS)) {
    const int err = errno;
    throw IoError(fmt::format("cannot write results to '{}': the file is not writable ({})", path,
                              store_internal::ErrnoText(err)));
  }
}

// Deletes a file on scope exit unless disarmed.
class TempFileGuard {
 public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;
  ~TempFileGuard() {
    if (armed_) unlink(path_.c_str());
  }
  void Disarm() { armed_ = false; }

 private:
  std::string path_;
  bool armed_ = true;
};

// One commit: under the lock, copy the results file (or start a new one) to a
// temp file, apply `change` to the copy, make the copy durable and rename it
// over the results file. A crash before the rename leaves the old file; after
// it, the new one; rename(2) is atomic, so never anything in between.
void CommitChange(const std::string& path, std::chrono::milliseconds lock_timeout,
                  const std::function<void(hid_t file)>& change) {
  store_internal::FileLock lock(store_internal::LockPathFor(path), path, lock_timeout);
  store_internal::RemoveStaleTempFiles(path);
  CheckExistingFileWritable(path);
  const std::string temp = store_internal::TempPathFor(path);
  unlink(temp.c_str());  // ours from a commit that failed half-way, if any
  TempFileGuard guard(temp);
  {
    H5Id file;
    try {
      if (store_internal::CopyFileIfExists(path, temp)) {
        file = OpenExistingResultsFile(temp, path, /*writable=*/true, nullptr);
      } else {
        H5Id fapl = WriteAccessProperties(path);
        file = H5Id(
            H5Check(H5Fcreate(temp.c_str(), H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()), "create a new results file", path));
        store_internal::WriteInt32Attribute(file.get(), "schema_version", kResultsSchemaVersion, path);
        store_internal::WriteStringAttribute(file.get(), "format", kResultsFormat, path);
        CreateOrderedGroup(file.get(), kRunsGroup, path);
      }
    } catch (const IoError& e) {
      throw IoError(fmt::format("cannot write results: {} (the file was left unchanged)", e.what()));
    }
    change(file.get());
    // A handle left open would keep HDF5 from writing the file out on close.
    const ssize_t open_objects = H5Fget_obj_count(file.get(), H5F_OBJ_ALL);
    if (open_objects != 1) {
      throw RuntimeError(
          fmt::format("internal error: {} HDF5 objects of '{}' still open at commit", open_objects - 1, path));
    }
    H5Check(file.Close(), "write out the new version", path);
  }
  store_internal::FsyncPath(temp, /*is_directory=*/false);
  store_internal::RenameFile(temp, path);
  guard.Disarm();
  store_internal::FsyncPath(store_internal::DirectoryOf(path), /*is_directory=*/true);
}

// --- Reading --------------------------------------------------------------------

RunInfo ReadRunInfo(hid_t group, const std::string& run_id, const std::string& path) {
  using store_internal::ReadStringAttribute;
  RunInfo info;
  info.id = run_id;
  const auto text = [&](const char* name) { return ReadStringAttribute(group, name, path).value_or(""); };
  info.kind = text("kind");
  const std::string status = text("status");
  try {
    info.status = ParseRunStatus(status);
  } catch (const Error&) {
    throw IoError(fmt::format("results file '{}': run '{}' has an unknown status '{}'", path, run_id, status));
  }
  info.start_time = text("start_time");
  info.end_time = text("end_time");
  info.tool_version = text("tool_version");
  info.git_revision = text("git_revision");
  info.command_line = text("command_line");
  info.hosts = store_internal::ReadStringArrayAttribute(group, "hosts", path).value_or(std::vector<std::string>{});
  info.rank_count = store_internal::ReadInt64Attribute(group, "rank_count", path).value_or(1);
  info.config_yaml = text("config_yaml");
  for (const std::string& entry :
       store_internal::ReadStringArrayAttribute(group, "environment", path).value_or(std::vector<std::string>{})) {
    const size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      info.environment[entry] = "";
    } else {
      info.environment[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
  }
  info.message = text("message");
  return info;
}

// Frees the strings HDF5 allocated while reading variable-length members.
class VlenReclaimer {
 public:
  VlenReclaimer(hid_t type, hid_t space, void* buffer) : type_(type), space_(space), buffer_(buffer) {}
  VlenReclaimer(const VlenReclaimer&) = delete;
  VlenReclaimer& operator=(const VlenReclaimer&) = delete;
  ~VlenReclaimer() { H5Dvlen_reclaim(type_, space_, H5P_DEFAULT, buffer_); }

 private:
  hid_t type_;
  hid_t space_;
  void* buffer_;
};

Table ReadTableDataset(hid_t group, const std::string& run_id, const std::string& name, const std::string& path) {
  const std::string what = fmt::format("read table '{}' of run '{}'", name, run_id);
  H5Id dataset(H5Check(H5Dopen2(group, name.c_str(), H5P_DEFAULT), what, path));
  H5Id file_type(H5Check(H5Dget_type(dataset.get()), what, path));
  if (H5Tget_class(file_type.get()) != H5T_COMPOUND) {
    throw IoError(
        fmt::format("results file '{}': '{}' in run '{}' is not a table (not a compound dataset)", path, name, run_id));
  }
  const int members = H5Check(H5Tget_nmembers(file_type.get()), what, path);
  const auto units = store_internal::ReadStringArrayAttribute(dataset.get(), "column_units", path);
  const auto descriptions = store_internal::ReadStringArrayAttribute(dataset.get(), "column_descriptions", path);

  std::vector<Column> columns;
  std::vector<H5Id> string_types;  // keep the member types alive until the read
  H5Id mem_type(H5Check(H5Tcreate(H5T_COMPOUND, static_cast<size_t>(members) * kMemberSize), what, path));
  for (int i = 0; i < members; ++i) {
    const auto index = static_cast<unsigned>(i);
    char* raw_name = H5Tget_member_name(file_type.get(), index);
    if (raw_name == nullptr) store_internal::ThrowHdf5Error(what, path);
    Column column;
    column.name = raw_name;
    H5free_memory(raw_name);
    H5Id member(H5Check(H5Tget_member_type(file_type.get(), index), what, path));
    hid_t mem_member = H5I_INVALID_HID;
    switch (H5Tget_class(member.get())) {
      case H5T_INTEGER:
        column.type = ColumnType::kInt64;
        mem_member = H5T_NATIVE_INT64;
        break;
      case H5T_FLOAT:
        column.type = ColumnType::kFloat64;
        mem_member = H5T_NATIVE_DOUBLE;
        break;
      case H5T_STRING:
        if (H5Tis_variable_str(member.get()) > 0) {
          column.type = ColumnType::kString;
          H5Id string_type = store_internal::MakeUtf8StringType(path);
          H5Check(H5Tset_cset(string_type.get(), H5Tget_cset(member.get())), what, path);
          mem_member = string_type.get();
          string_types.push_back(std::move(string_type));
          break;
        }
        [[fallthrough]];
      default:
        throw IoError(
            fmt::format("results file '{}': column '{}' of table '{}' in run '{}' has a type this "
                        "reader does not support (expected int64, float64 or variable-length string)",
                        path, column.name, name, run_id));
    }
    H5Check(H5Tinsert(mem_type.get(), column.name.c_str(), index * kMemberSize, mem_member), what, path);
    if (units && units->size() == static_cast<size_t>(members)) column.units = (*units)[index];
    if (descriptions && descriptions->size() == static_cast<size_t>(members)) {
      column.description = (*descriptions)[index];
    }
    columns.push_back(std::move(column));
  }

  Table table(name, store_internal::ReadStringAttribute(dataset.get(), "description", path).value_or(""), columns);
  H5Id space(H5Check(H5Dget_space(dataset.get()), what, path));
  const hssize_t rows = H5Check(H5Sget_simple_extent_npoints(space.get()), what, path);
  if (rows == 0) return table;
  std::vector<unsigned char> buffer(static_cast<size_t>(rows) * columns.size() * kMemberSize);
  H5Check(H5Dread(dataset.get(), mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), what, path);
  VlenReclaimer reclaim(mem_type.get(), space.get(), buffer.data());
  for (hssize_t r = 0; r < rows; ++r) {
    std::vector<Cell> row;
    row.reserve(columns.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      const unsigned char* slot = buffer.data() + (static_cast<size_t>(r) * columns.size() + c) * kMemberSize;
      switch (columns[c].type) {
        case ColumnType::kInt64: {
          int64_t v = 0;
          std::memcpy(&v, slot, kMemberSize);
          row.emplace_back(v);
          break;
        }
        case ColumnType::kFloat64: {
          double v = 0;
          std::memcpy(&v, slot, kMemberSize);
          row.emplace_back(v);
          break;
        }
        case ColumnType::kString: {
          const char* s = nullptr;
          std::memcpy(&s, slot, kMemberSize);
          row.emplace_back(std::string(s ? s : ""));
          break;
        }
      }
    }
    table.AddRow(std::move(row));
  }
  return table;
}

}  // namespace

std::string Hdf5LibraryVersion() {
  unsigned major = 0;
  unsigned minor = 0;
  unsigned release = 0;
  H5get_libversion(&major, &minor, &release);
  return fmt::format("{}.{}.{}", major, minor, release);
}

// --- Hdf5Writer -----------------------------------------------------------------

Hdf5Writer::Hdf5Writer(const std::string& path, std::chrono::milliseconds lock_timeout)
    : path_(path), lock_timeout_(lock_timeout) {
  store_internal::InitHdf5();
  if (path_.empty()) throw IoError("cannot write results: the output path is empty");
  path_ = ResolveSymlinks(path_);
  struct stat st {};
  if (stat(path_.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      throw IoError(fmt::format("cannot write results to '{}': it is a directory", path_));
    }
    try {
      CheckIsExistingFile(path_);
      OpenExistingResultsFile(path_, path_, /*writable=*/false, nullptr);
    } catch (const IoError& e) {
      throw IoError(fmt::format("cannot append results to '{}': {} (refusing to overwrite it)", path_, e.what()));
    }
    CheckExistingFileWritable(path_);
  } else {
    const int err = errno;
    if (err != ENOENT && err != ENOTDIR) {
      throw IoError(fmt::format("cannot write results to '{}': {}", path_, store_internal::ErrnoText(err)));
    }
    const std::string dir = store_internal::DirectoryOf(path_);
    struct stat dir_st {};
    if (stat(dir.c_str(), &dir_st) != 0) {
      throw IoError(fmt::format("cannot write results to '{}': output directory '{}' does not exist", path_, dir));
    }
    if (!S_ISDIR(dir_st.st_mode)) {
      throw IoError(
          fmt::format("cannot write results to '{}': output directory '{}' does not exist ('{}' is not "
                      "a directory)",
                      path_, dir, dir));
    }
  }
  store_internal::TouchLockFile(store_internal::LockPathFor(path_), path_);
}

Hdf5Writer::~Hdf5Writer() {
  if (!run_id_) return;
  try {
    EndRun(RunStatus::kFailed, "the results writer was closed before the run ended (the program stopped early)");
  } catch (...) {
    // A destructor must not throw; the run then stays "running" in the file.
  }
}

void Hdf5Writer::BeginRun(const RunInfo& info) {
  store_internal::InitHdf5();
  if (run_id_) {
    throw RuntimeError(
        fmt::format("cannot begin run '{}': run '{}' is still in progress in '{}'", info.id, *run_id_, path_));
  }
  ValidateName(info.id, "run id");
  RunInfo run = info;
  run.status = RunStatus::kRunning;
  run.end_time.clear();
  run.message.clear();
  if (run.start_time.empty()) run.start_time = NowIso8601();
  CommitChange(path_, lock_timeout_, [&](hid_t file) {
    H5Id runs(H5Check(H5Gopen2(file, kRunsGroup, H5P_DEFAULT), "open group /runs", path_));
    if (store_internal::HasLink(runs.get(), run.id, path_)) {
      throw IoError(fmt::format("results file '{}' already has a run '{}'", path_, run.id));
    }
    H5Id group = CreateOrderedGroup(runs.get(), run.id, path_);
    WriteRunAttributes(group.get(), run, path_);
  });
  run_id_ = run.id;
}

void Hdf5Writer::WriteTable(const Table& table) {
  store_internal::InitHdf5();
  if (!run_id_) {
    throw RuntimeError(
        fmt::format("cannot write table '{}' to '{}': no run in progress (call BeginRun first)", table.name(), path_));
  }
  ValidateName(table.name(), "table name");
  if (table.columns().empty()) {
    throw RuntimeError(fmt::format("cannot write table '{}': it has no columns", table.name()));
  }
  std::set<std::string> seen;
  for (const Column& c : table.columns()) {
    ValidateName(c.name, "column name");
    if (!seen.insert(c.name).second) {
      throw RuntimeError(fmt::format("cannot write table '{}': column name '{}' appears twice", table.name(), c.name));
    }
  }
  CommitChange(path_, lock_timeout_, [&](hid_t file) {
    H5Id group = OpenRunGroup(file, *run_id_, path_);
    if (store_internal::HasLink(group.get(), table.name(), path_)) {
      throw RuntimeError(fmt::format("cannot write table '{}': run '{}' in '{}' already has a table of that name",
                                     table.name(), *run_id_, path_));
    }
    WriteTableDataset(group.get(), table, path_);
  });
}

void Hdf5Writer::EndRun(RunStatus status, const std::string& message) {
  store_internal::InitHdf5();
  if (!run_id_) throw RuntimeError(fmt::format("cannot end a run in '{}': no run in progress", path_));
  if (status == RunStatus::kRunning) {
    throw RuntimeError("EndRun needs a final status (complete, interrupted or failed), not running");
  }
  const std::string run_id = *run_id_;
  run_id_.reset();  // over even if the commit fails: see the header
  CommitChange(path_, lock_timeout_, [&](hid_t file) {
    H5Id group = OpenRunGroup(file, run_id, path_);
    store_internal::WriteStringAttribute(group.get(), "status", RunStatusName(status), path_);
    store_internal::WriteStringAttribute(group.get(), "end_time", NowIso8601(), path_);
    store_internal::WriteStringAttribute(group.get(), "message", message, path_);
  });
}

// --- Hdf5Reader -----------------------------------------------------------------

struct Hdf5Reader::Impl {
  std::string path;
  H5Id file;
  int schema_version = 0;

  std::vector<std::string> RunIds() const {
    if (!store_internal::HasLink(file.get(), kRunsGroup, path)) return {};
    H5Id runs(H5Check(H5Gopen2(file.get(), kRunsGroup, H5P_DEFAULT), "open group /runs", path));
    return store_internal::LinkNames(runs.get(), path);
  }

  H5Id OpenRun(const std::string& run_id) const {
    const std::string run_path = fmt::format("/{}/{}", kRunsGroup, run_id);
    bool found = false;
    if (!run_id.empty() && run_id.find('/') == std::string::npos &&
        store_internal::HasLink(file.get(), kRunsGroup, path)) {
      found = store_internal::HasLink(file.get(), run_path, path);
    }
    if (!found) {
      throw IoError(
          fmt::format("results file '{}' has no run '{}'; runs in the file: {}", path, run_id, ListNames(RunIds())));
    }
    return H5Id(H5Check(H5Gopen2(file.get(), run_path.c_str(), H5P_DEFAULT), "open group " + run_path, path));
  }

  // Members of a run group that are datasets; anything else (a future
  // schema's subgroups) is not a table and is skipped.
  std::vector<std::string> Tables(hid_t group) const {
    std::vector<std::string> tables;
    for (const std::string& name : store_internal::LinkNames(group, path)) {
      H5Id object(H5Check(H5Oopen(group, name.c_str(), H5P_DEFAULT), "open '" + name + "'", path));
      if (H5Iget_type(object.get()) == H5I_DATASET) tables.push_back(name);
    }
    return tables;
  }
};

namespace {

// Reads everything a reader can read from the open file: run attributes and
// every table. Library errors surface as IoError; only a crash escapes.
void ReadEverything(hid_t file, const std::string& path) {
  if (!store_internal::HasLink(file, kRunsGroup, path)) return;
  H5Id runs(H5Check(H5Gopen2(file, kRunsGroup, H5P_DEFAULT), "open group /runs", path));
  for (const std::string& id : store_internal::LinkNames(runs.get(), path)) {
    H5Id group(H5Check(H5Gopen2(runs.get(), id.c_str(), H5P_DEFAULT), "open run " + id, path));
    ReadRunInfo(group.get(), id, path);
    for (const std::string& name : store_internal::LinkNames(group.get(), path)) {
      H5Id object(H5Check(H5Oopen(group.get(), name.c_str(), H5P_DEFAULT), "open '" + name + "'", path));
      if (H5Iget_type(object.get()) == H5I_DATASET) ReadTableDataset(group.get(), id, name, path);
    }
  }
}

// A byte-corrupted results file can make libhdf5 itself crash (a segfault
// inside H5Aread of a variable-length string whose heap entry is garbage;
// h5py, built on a newer HDF5, raises an error on the same bytes). So the
// reader first validates every object by reading the whole file in a forked
// child: if the child dies, or does not finish in time, the file is reported
// corrupt (IoError, exit 4) before this process touches the damaged object.
// An error the library reports normally is sent back through a pipe and
// raised here with its object, so this process never takes the library's
// error paths on damaged bytes (some leak).
void ProbeReadableInChild(const std::string& path) {
  struct stat st {};
  const double bytes = stat(path.c_str(), &st) == 0 ? static_cast<double>(st.st_size) : 0;
  // Generous: reading runs at hundreds of MB/s; a healthy file never gets near.
  const auto limit = std::chrono::seconds(30 + static_cast<int64_t>(bytes / 10e6));
  int fds[2] = {-1, -1};
  if (pipe(fds) != 0) return;  // cannot isolate: read in-process as before
  fflush(nullptr);
  const pid_t child = fork();
  if (child < 0) {
    close(fds[0]);
    close(fds[1]);
    return;
  }
  if (child == 0) {
    close(fds[0]);
    // The child's diagnostics (a sanitizer's report of the library's crash)
    // would only repeat what the parent says.
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, STDERR_FILENO);
    int code = 0;
    std::string message;
    try {
      H5Id file = OpenExistingResultsFile(path, path, /*writable=*/false, nullptr);
      ReadEverything(file.get(), path);
    } catch (const std::exception& e) {
      code = 4;
      message = e.what();
    } catch (...) {
      code = 4;
      message = fmt::format("results file '{}' could not be read", path);
    }
    for (size_t done = 0; done < message.size();) {
      const ssize_t n = write(fds[1], message.data() + done, message.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(code);
  }
  close(fds[1]);
  // The child's message, read while it runs (a long one must not fill the pipe).
  std::string message;
  auto drain = [&] {
    char buf[4096];
    for (;;) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 0) <= 0) return;
      const ssize_t n = read(fds[0], buf, sizeof buf);
      if (n <= 0) return;
      message.append(buf, static_cast<size_t>(n));
    }
  };
  struct CloseFd {
    int fd;
    ~CloseFd() { close(fd); }
  } close_read{fds[0]};
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  while (true) {
    drain();
    const pid_t done = waitpid(child, &status, WNOHANG);
    if (done == child) break;
    if (done < 0 && errno != EINTR) return;
    if (std::chrono::steady_clock::now() - start > limit) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      throw IoError(fmt::format("results file '{}' is corrupt: reading it did not finish in {} s", path,
                                std::chrono::duration_cast<std::chrono::seconds>(limit).count()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  drain();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 4 && !message.empty()) throw IoError(message);
  const std::string how = WIFSIGNALED(status)
                              ? fmt::format("signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)))
                              : fmt::format("exit {}", WEXITSTATUS(status));
  throw IoError(
      fmt::format("results file '{}' is corrupt: reading it crashed the HDF5 library ({}); h5py or h5dump may "
                  "show which object is damaged",
                  path, how));
}

}  // namespace

Hdf5Reader::Hdf5Reader(const std::string& path) : impl_(std::make_unique<Impl>()) {
  store_internal::InitHdf5();
  impl_->path = path;
  CheckIsExistingFile(path);
  ProbeReadableInChild(path);
  impl_->file = OpenExistingResultsFile(path, path, /*writable=*/false, &impl_->schema_version);
}

Hdf5Reader::Hdf5Reader(Hdf5Reader&&) noexcept = default;
Hdf5Reader& Hdf5Reader::operator=(Hdf5Reader&&) noexcept = default;
Hdf5Reader::~Hdf5Reader() = default;

const std::string& Hdf5Reader::path() const { return impl_->path; }

int Hdf5Reader::SchemaVersion() const { return impl_->schema_version; }

std::vector<RunInfo> Hdf5Reader::Runs() const {
  store_internal::InitHdf5();
  std::vector<RunInfo> runs;
  for (const std::string& id : impl_->RunIds()) runs.push_back(Run(id));
  std::stable_sort(runs.begin(), runs.end(), [](const RunInfo& a, const RunInfo& b) {
    return std::tie(a.start_time, a.id) < std::tie(b.start_time, b.id);
  });
  return runs;
}

RunInfo Hdf5Reader::Run(const std::string& run_id) const {
  store_internal::InitHdf5();
  H5Id group = impl_->OpenRun(run_id);
  return ReadRunInfo(group.get(), run_id, impl_->path);
}

std::vector<std::string> Hdf5Reader::TableNames(const std::string& run_id) const {
  store_internal::InitHdf5();
  H5Id group = impl_->OpenRun(run_id);
  return impl_->Tables(group.get());
}

Table Hdf5Reader::ReadTable(const std::string& run_id, const std::string& table_name) const {
  store_internal::InitHdf5();
  H5Id group = impl_->OpenRun(run_id);
  const std::vector<std::string> tables = impl_->Tables(group.get());
  if (std::find(tables.begin(), tables.end(), table_name) == tables.end()) {
    throw IoError(fmt::format("results file '{}': run '{}' has no table '{}'; its tables: {}", impl_->path, run_id,
                              table_name, ListNames(tables)));
  }
  return ReadTableDataset(group.get(), run_id, table_name, impl_->path);
}

}  // namespace cb
