#pragma once
// A training config small enough that a few epochs run in seconds on one CPU core, and a
// scratch directory per test.
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <unistd.h>

#include "common/remove_tree.hpp"

namespace cog::worker::testing {

// The message of the E that fn() throws, or "<no exception>" when it throws none.
template <typename E>
std::string errorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  return "<no exception>";
}

inline std::string microConfigYaml() {
  std::ifstream in(std::string(COG_TEST_FIXTURES_DIR) + "/micro.yaml");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : path_(std::filesystem::temp_directory_path() /
              ("cog_" + name + "_" + std::to_string(::getpid()))) {
    cog::removeTree(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { cog::removeTree(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string write(const std::string& file, const std::string& text) const {
    auto p = path_ / file;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

}  // namespace cog::worker::testing
