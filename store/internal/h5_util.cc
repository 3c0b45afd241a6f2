#include "store/internal/h5_util.h"

#include <fmt/format.h>
#include <cstring>

#include "core/error.h"
#include "core/utf8.h"

namespace cb::store_internal {
namespace {

struct ErrorDetail {
  std::string text;
};

// H5Ewalk2 visits the innermost record (where the failure began) first when
// walking upward; that record's description is the one a user can act on
// ("truncated file: eof = ...", "unable to open file"), the outer ones only
// repeat "unable to open" at each layer.
herr_t RecordInnermost(unsigned n, const H5E_error2_t* err, void* data) {
  if (n != 0) return 0;
  auto* detail = static_cast<ErrorDetail*>(data);
  char minor[128] = {0};
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof minor) < 0) minor[0] = '\0';
  std::string desc = err->desc ? err->desc : "";
  if (!desc.empty() && minor[0] != '\0') {
    detail->text = fmt::format("{} ({})", desc, minor);
  } else {
    detail->text = desc.empty() ? minor : desc;
  }
  return 0;
}

// Name of the object `obj` inside its file, for error messages.
std::string ObjectName(hid_t obj) {
  const ssize_t len = H5Iget_name(obj, nullptr, 0);
  if (len <= 0) return "?";
  std::string name(static_cast<size_t>(len) + 1, '\0');
  H5Iget_name(obj, name.data(), name.size());
  name.resize(static_cast<size_t>(len));
  return name;
}

void DeleteAttributeIfPresent(hid_t obj, const char* name, const std::string& path) {
  if (H5Check(H5Aexists(obj, name), fmt::format("check attribute '{}' of '{}'", name, ObjectName(obj)), path) > 0) {
    H5Check(H5Adelete(obj, name), fmt::format("delete attribute '{}' of '{}'", name, ObjectName(obj)), path);
  }
}

// Creates attribute `name` on `obj` (replacing any old one) with a 1-D space
// of `count` elements, or a scalar space when `count` is empty.
H5Id CreateAttribute(hid_t obj, const char* name, hid_t type, std::optional<hsize_t> count, const std::string& path) {
  DeleteAttributeIfPresent(obj, name, path);
  const std::string what = fmt::format("create attribute '{}' of '{}'", name, ObjectName(obj));
  H5Id space;
  if (count) {
    const hsize_t dims[1] = {*count};
    space = H5Id(H5Check(H5Screate_simple(1, dims, nullptr), what, path));
  } else {
    space = H5Id(H5Check(H5Screate(H5S_SCALAR), what, path));
  }
  return H5Id(H5Check(H5Acreate2(obj, name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what, path));
}

[[noreturn]] void ThrowUnexpectedType(hid_t obj, const char* name, const char* expected, const std::string& path) {
  throw IoError(fmt::format("results file '{}' is not readable: attribute '{}' of '{}' is not {}", path, name,
                            ObjectName(obj), expected));
}

}  // namespace

void InitHdf5() {
  thread_local bool done = false;
  if (done) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  done = true;
}

H5Id& H5Id::operator=(H5Id&& other) noexcept {
  if (this != &other) {
    Close();
    id_ = other.Release();
  }
  return *this;
}

hid_t H5Id::Release() {
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  return id;
}

herr_t H5Id::Close() {
  if (id_ < 0) return 0;
  herr_t status = -1;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      status = H5Fclose(id_);
      break;
    case H5I_GROUP:
      status = H5Gclose(id_);
      break;
    case H5I_DATATYPE:
      status = H5Tclose(id_);
      break;
    case H5I_DATASPACE:
      status = H5Sclose(id_);
      break;
    case H5I_DATASET:
      status = H5Dclose(id_);
      break;
    case H5I_ATTR:
      status = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      status = H5Pclose(id_);
      break;
    case H5I_ERROR_STACK:
      status = H5Eclose_stack(id_);
      break;
    default:
      status = H5Idec_ref(id_) < 0 ? -1 : 0;
      break;
  }
  id_ = H5I_INVALID_HID;
  return status;
}

std::string TakeHdf5ErrorDetail() {
  // Copying the stack clears the live one, so later calls start clean.
  const hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "";
  ErrorDetail detail;
  H5Ewalk2(stack, H5E_WALK_UPWARD, RecordInnermost, &detail);
  H5Eclose_stack(stack);
  return detail.text;
}

void ThrowHdf5Error(std::string_view what, const std::string& path, std::source_location where) {
  std::string detail = TakeHdf5ErrorDetail();
  if (detail.empty()) detail = "HDF5 gave no reason";
  std::string_view file = where.file_name();
  if (const size_t slash = file.rfind('/'); slash != std::string_view::npos) file.remove_prefix(slash + 1);
  throw IoError(fmt::format("cannot {} in '{}': {} (HDF5 call at {}:{})", what, path, detail, file, where.line()));
}

H5Id MakeUtf8StringType(const std::string& path) {
  H5Id type(H5Check(H5Tcopy(H5T_C_S1), "create string type", path));
  H5Check(H5Tset_size(type.get(), H5T_VARIABLE), "create string type", path);
  H5Check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create string type", path);
  return type;
}

bool HasLink(hid_t loc, const std::string& name, const std::string& path) {
  return H5Check(H5Lexists(loc, name.c_str(), H5P_DEFAULT), fmt::format("look up '{}' in '{}'", name, ObjectName(loc)),
                 path) > 0;
}

std::vector<std::string> LinkNames(hid_t group, const std::string& path) {
  const std::string what = fmt::format("list group '{}'", ObjectName(group));
  H5G_info_t info{};
  H5Check(H5Gget_info(group, &info), what, path);
  H5_index_t index = H5_INDEX_NAME;
  H5Id gcpl(H5Check(H5Gget_create_plist(group), what, path));
  unsigned flags = 0;
  if (H5Pget_link_creation_order(gcpl.get(), &flags) >= 0 && (flags & H5P_CRT_ORDER_INDEXED) != 0) {
    index = H5_INDEX_CRT_ORDER;
  }
  std::vector<std::string> names;
  names.reserve(info.nlinks);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    const ssize_t len =
        H5Check(H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT), what, path);
    std::string name(static_cast<size_t>(len) + 1, '\0');
    H5Check(H5Lget_name_by_idx(group, ".", index, H5_ITER_INC, i, name.data(), name.size(), H5P_DEFAULT), what, path);
    name.resize(static_cast<size_t>(len));
    names.push_back(std::move(name));
  }
  return names;
}

void WriteStringAttribute(hid_t obj, const char* name, const std::string& value, const std::string& path) {
  H5Id type = MakeUtf8StringType(path);
  H5Id attr = CreateAttribute(obj, name, type.get(), std::nullopt, path);
  const std::string clean = SanitizeUtf8(value);
  const char* ptr = clean.c_str();
  H5Check(H5Awrite(attr.get(), type.get(), &ptr), fmt::format("write attribute '{}'", name), path);
}

void WriteStringArrayAttribute(hid_t obj, const char* name, const std::vector<std::string>& values,
                               const std::string& path) {
  H5Id type = MakeUtf8StringType(path);
  H5Id attr = CreateAttribute(obj, name, type.get(), values.size(), path);
  if (values.empty()) return;  // nothing to write, and HDF5 rejects a null buffer
  std::vector<std::string> clean;
  clean.reserve(values.size());
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const std::string& v : values) {
    clean.push_back(SanitizeUtf8(v));
    ptrs.push_back(clean.back().c_str());
  }
  H5Check(H5Awrite(attr.get(), type.get(), ptrs.data()), fmt::format("write attribute '{}'", name), path);
}

void WriteInt64Attribute(hid_t obj, const char* name, int64_t value, const std::string& path) {
  H5Id attr = CreateAttribute(obj, name, H5T_STD_I64LE, std::nullopt, path);
  H5Check(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), fmt::format("write attribute '{}'", name), path);
}

void WriteInt32Attribute(hid_t obj, const char* name, int32_t value, const std::string& path) {
  H5Id attr = CreateAttribute(obj, name, H5T_STD_I32LE, std::nullopt, path);
  H5Check(H5Awrite(attr.get(), H5T_NATIVE_INT32, &value), fmt::format("write attribute '{}'", name), path);
}

std::optional<std::vector<std::string>> ReadStringArrayAttribute(hid_t obj, const char* name, const std::string& path) {
  const std::string what = fmt::format("read attribute '{}' of '{}'", name, ObjectName(obj));
  if (H5Check(H5Aexists(obj, name), what, path) == 0) return std::nullopt;
  H5Id attr(H5Check(H5Aopen(obj, name, H5P_DEFAULT), what, path));
  H5Id file_type(H5Check(H5Aget_type(attr.get()), what, path));
  if (H5Tget_class(file_type.get()) != H5T_STRING) ThrowUnexpectedType(obj, name, "a string", path);
  H5Id space(H5Check(H5Aget_space(attr.get()), what, path));
  const hssize_t count = H5Check(H5Sget_simple_extent_npoints(space.get()), what, path);
  std::vector<std::string> out;
  if (count == 0) return out;
  out.reserve(static_cast<size_t>(count));
  if (H5Check(H5Tis_variable_str(file_type.get()), what, path) > 0) {
    H5Id mem_type(H5Check(H5Tcopy(H5T_C_S1), what, path));
    H5Check(H5Tset_size(mem_type.get(), H5T_VARIABLE), what, path);
    H5Check(H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get())), what, path);
    std::vector<char*> buf(static_cast<size_t>(count), nullptr);
    H5Check(H5Aread(attr.get(), mem_type.get(), buf.data()), what, path);
    for (char* s : buf) out.emplace_back(s ? s : "");
    H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, buf.data());
  } else {
    const size_t size = H5Tget_size(file_type.get());
    if (size == 0) ThrowUnexpectedType(obj, name, "a string", path);
    H5Id mem_type(H5Check(H5Tcopy(file_type.get()), what, path));
    std::vector<char> buf(static_cast<size_t>(count) * size);
    H5Check(H5Aread(attr.get(), mem_type.get(), buf.data()), what, path);
    const bool space_padded = H5Tget_strpad(file_type.get()) == H5T_STR_SPACEPAD;
    for (hssize_t i = 0; i < count; ++i) {
      const char* s = buf.data() + static_cast<size_t>(i) * size;
      std::string v(s, strnlen(s, size));
      if (space_padded) v.erase(v.find_last_not_of(' ') + 1);
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::optional<std::string> ReadStringAttribute(hid_t obj, const char* name, const std::string& path) {
  auto values = ReadStringArrayAttribute(obj, name, path);
  if (!values) return std::nullopt;
  if (values->size() != 1) ThrowUnexpectedType(obj, name, "a single string", path);
  return std::move(values->front());
}

std::optional<int64_t> ReadInt64Attribute(hid_t obj, const char* name, const std::string& path) {
  const std::string what = fmt::format("read attribute '{}' of '{}'", name, ObjectName(obj));
  if (H5Check(H5Aexists(obj, name), what, path) == 0) return std::nullopt;
  H5Id attr(H5Check(H5Aopen(obj, name, H5P_DEFAULT), what, path));
  H5Id file_type(H5Check(H5Aget_type(attr.get()), what, path));
  H5Id space(H5Check(H5Aget_space(attr.get()), what, path));
  if (H5Tget_class(file_type.get()) != H5T_INTEGER || H5Sget_simple_extent_npoints(space.get()) != 1) {
    ThrowUnexpectedType(obj, name, "a single integer", path);
  }
  int64_t value = 0;
  H5Check(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), what, path);
  return value;
}

}  // namespace cb::store_internal
