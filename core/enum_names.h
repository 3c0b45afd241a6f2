// A closed set's names, owned once per enum as one table of (name, value)
// pairs: the name of a value, the value of a name, and the list of valid names
// that an error at the configuration boundary gives (issue 16, point 4: closed
// sets are enums parsed where the options or the stored files are read, with
// the valid names in the error). Each enum's table lives beside the enum; this
// header only looks things up in it.
#ifndef CLUSTERBENCH_CORE_ENUM_NAMES_H_
#define CLUSTERBENCH_CORE_ENUM_NAMES_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cb {

template <typename E>
struct EnumName {
  const char* name;
  E value;
};

// The name of `v` in `names`; "?" for a value the table lacks.
template <typename E, size_t N>
constexpr const char* NameOf(const EnumName<E> (&names)[N], E v) {
  for (const auto& n : names) {
    if (n.value == v) return n.name;
  }
  return "?";
}

// The value named exactly `name`; nullopt for none.
template <typename E, size_t N>
std::optional<E> ValueOf(const EnumName<E> (&names)[N], std::string_view name) {
  for (const auto& n : names) {
    if (name == n.name) return n.value;
  }
  return std::nullopt;
}

// Every value, in the table's order.
template <typename E, size_t N>
std::vector<E> ValuesOf(const EnumName<E> (&names)[N]) {
  std::vector<E> out;
  for (const auto& n : names) out.push_back(n.value);
  return out;
}

// "a, b, c": the valid names, for an error.
template <typename E, size_t N>
std::string NameList(const EnumName<E> (&names)[N]) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

}  // namespace cb

#endif  // CLUSTERBENCH_CORE_ENUM_NAMES_H_
