// The HDF5 C API, made safe to use: an RAII owner for hid_t handles, one check
// helper that turns a failed call into a cb::IoError naming the file, the
// operation and HDF5's own innermost reason, and typed attribute access.
//
// Private to store/: this is the only header that includes hdf5.h, and no
// public store header includes it.
#ifndef CLUSTERBENCH_STORE_INTERNAL_H5_UTIL_H_
#define CLUSTERBENCH_STORE_INTERNAL_H5_UTIL_H_

#include <hdf5.h>

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

namespace cb::store_internal {

// Turns off HDF5's printing of error stacks to stderr for the calling thread
// (the setting is per thread in thread-safe builds such as Debian's): store/
// reports errors as exceptions instead. Cheap; call before any HDF5 use.
void InitHdf5();

// Owns one HDF5 identifier of any kind and closes it with the matching
// H5?close. Move-only.
class H5Id {
 public:
  H5Id() = default;
  explicit H5Id(hid_t id) : id_(id) {}
  H5Id(H5Id&& other) noexcept : id_(other.Release()) {}
  H5Id& operator=(H5Id&& other) noexcept;
  H5Id(const H5Id&) = delete;
  H5Id& operator=(const H5Id&) = delete;
  ~H5Id() { Close(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  hid_t Release();
  // Closes now and returns the close call's status: for a file this is where
  // HDF5 writes its caches out, so the writer must check it.
  herr_t Close();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// HDF5's innermost error description for the calling thread (the place the
// failure started), then clears the error stack. "" when the stack is empty.
std::string TakeHdf5ErrorDetail();

// Throws cb::IoError "cannot <what> in '<path>': <HDF5 detail> (at file:line)".
[[noreturn]] void ThrowHdf5Error(std::string_view what, const std::string& path,
                                 std::source_location where = std::source_location::current());

// Returns `status` (a hid_t, herr_t or htri_t) when it is non-negative, and
// throws via ThrowHdf5Error otherwise.
template <typename T>
T H5Check(T status, std::string_view what, const std::string& path,
          std::source_location where = std::source_location::current()) {
  if (status < 0) ThrowHdf5Error(what, path, where);
  return status;
}

// Variable-length UTF-8 string type: the type of every string in a results file.
H5Id MakeUtf8StringType(const std::string& path);

// True when `loc` has a link (group member) called `name`.
bool HasLink(hid_t loc, const std::string& name, const std::string& path);

// Names of the links in group `group`, in creation order when the group
// tracks it and in name order otherwise.
std::vector<std::string> LinkNames(hid_t group, const std::string& path);

// Attribute writers: replace an existing attribute of the same name. Strings
// are stored as variable-length UTF-8 (invalid sequences repaired).
void WriteStringAttribute(hid_t obj, const char* name, const std::string& value, const std::string& path);
void WriteStringArrayAttribute(hid_t obj, const char* name, const std::vector<std::string>& values,
                               const std::string& path);
void WriteInt64Attribute(hid_t obj, const char* name, int64_t value, const std::string& path);
void WriteInt32Attribute(hid_t obj, const char* name, int32_t value, const std::string& path);

// Attribute readers: std::nullopt when the attribute is absent. Strings may be
// variable-length or fixed-length (files written by other tools); a scalar
// reads as a one-element array.
std::optional<std::vector<std::string>> ReadStringArrayAttribute(hid_t obj, const char* name, const std::string& path);
std::optional<std::string> ReadStringAttribute(hid_t obj, const char* name, const std::string& path);
std::optional<int64_t> ReadInt64Attribute(hid_t obj, const char* name, const std::string& path);

}  // namespace cb::store_internal

#endif  // CLUSTERBENCH_STORE_INTERNAL_H5_UTIL_H_
