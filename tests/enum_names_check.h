// One check of a closed set's names (core/enum_names.h), shared by the tests
// of every enum that has a names table: each value's name finds that value
// again, the list an error gives is `list`, and `unknown` is no name (names
// are matched exactly, case included).
#ifndef CLUSTERBENCH_TESTS_ENUM_NAMES_CHECK_H_
#define CLUSTERBENCH_TESTS_ENUM_NAMES_CHECK_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "core/enum_names.h"

namespace cb::testing {

template <typename E, size_t N, typename NameFn, typename FindFn>
void ExpectNamesRoundTrip(const EnumName<E> (&names)[N], NameFn name, FindFn find, const std::string& list,
                          const std::string& unknown) {
  for (const auto& n : names) {
    EXPECT_EQ(std::string(name(n.value)), n.name);
    EXPECT_EQ(find(n.name), n.value) << n.name;
  }
  EXPECT_EQ(NameList(names), list);
  EXPECT_FALSE(find(unknown)) << unknown;
}

}  // namespace cb::testing

#endif  // CLUSTERBENCH_TESTS_ENUM_NAMES_CHECK_H_
