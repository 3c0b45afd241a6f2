// A fresh directory per test under the system temp dir, removed afterwards;
// shared by every C++ test that writes files.
#ifndef CLUSTERBENCH_TESTS_SCRATCH_DIR_H_
#define CLUSTERBENCH_TESTS_SCRATCH_DIR_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cb::testing {

class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // mkdtemp replaces the trailing XXXXXX with a unique suffix.
    std::string pattern = (std::filesystem::temp_directory_path() / "cb_test.XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string PathIn(const std::string& name) const { return (dir_ / name).string(); }
  // Writes `text` to dir/name (creating subdirectories) and returns the path.
  std::string Write(const std::string& name, const std::string& text) const {
    std::filesystem::path p = dir_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  std::filesystem::path dir_;
};

}  // namespace cb::testing

#endif  // CLUSTERBENCH_TESTS_SCRATCH_DIR_H_
