// The typed factory registry (core/backends.h): a factory comes back with the
// type of the key it was registered under, absent keys give nullptr, and two
// types under one name are refused as a programming error.
#include "core/backends.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "core/error.h"

namespace cb {
namespace {

using IntFactory = std::function<int()>;
using TextFactory = std::function<std::string()>;

TEST(Factories, ComeBackWithTheirKeysType) {
  const FactoryKey<IntFactory> answer{"test:answer"};
  const FactoryKey<TextFactory> missing{"test:missing"};
  Factories f;
  f.Add(answer, IntFactory([] { return 42; }));
  ASSERT_TRUE(f.Has(answer));
  const IntFactory* found = f.Find(answer);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ((*found)(), 42);
  EXPECT_FALSE(f.Has(missing));
  EXPECT_EQ(f.Find(missing), nullptr);
}

TEST(Factories, OneNameTwoTypesIsAnInternalError) {
  Factories f;
  f.Add(FactoryKey<IntFactory>{"test:clash"}, IntFactory([] { return 1; }));
  try {
    f.Find(FactoryKey<TextFactory>{"test:clash"});
    FAIL() << "a lookup with another type must throw";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("'test:clash' was registered with another type"), std::string::npos);
  }
}

}  // namespace
}  // namespace cb
