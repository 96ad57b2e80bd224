#pragma once
// Helpers shared by the checkpoint tests: a scratch directory per test and small file edits.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "common/error.hpp"
#include "common/remove_tree.hpp"

namespace cog::checkpoint::test {

// A fresh directory under the system temp dir, removed (with everything in it) at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string tag =
        info ? std::string(info->test_suite_name()) + "-" + info->name() : std::string("no-test");
    path_ = std::filesystem::temp_directory_path() /
            ("cog-ckpt-" + tag + "-" + std::to_string(::getpid()));
    cog::removeTree(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    cog::removeTree(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// Runs `body`, expects a CheckpointError and returns its message for further checks.
template <typename Body>
std::string checkpointErrorOf(Body&& body) {
  try {
    body();
  } catch (const CheckpointError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a CheckpointError";
  return "";
}

}  // namespace cog::checkpoint::test
