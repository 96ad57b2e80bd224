#pragma once
// Helpers shared by the cog_data tests: shared-file paths, temp files, warning capture,
// and small DataSet configs built on the synthetic source (no files needed).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/remove_tree.hpp"
#include "worker/data/data_config.hpp"
#include "worker/data/warning_sink.hpp"

namespace cog::data::test {

// Tests that read the real datasets start with this: a checkout without ../shared/data
// beside it skips them and says why (CI always has the folder).
#define COG_REQUIRE_SHARED_DATA()                                                         \
  if (!std::filesystem::is_directory(COG_SHARED_DATA_DIR))                                \
  GTEST_SKIP() << "shared data directory " << COG_SHARED_DATA_DIR                         \
               << " is missing (the original datasets live in ../shared/data beside the " \
                  "checkout)"

inline std::string sharedData(const std::string& relative) {
  return std::string(COG_SHARED_DATA_DIR) + "/" + relative;
}

inline std::string fixture(const std::string& relative) {
  return std::string(COG_TEST_FIXTURES_DIR) + "/" + relative;
}

// A fresh directory under $TMPDIR, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "cog_data_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    cog::removeTree(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `content` to `name` inside the directory and returns the full path.
  std::string write(const std::string& name, const std::string& content) const {
    const std::string full = path_ + "/" + name;
    std::ofstream(full, std::ios::binary) << content;
    return full;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Collects warnings so tests can assert on them.
struct WarningLog {
  std::vector<std::string> lines;
  WarningSink sink() {
    return [this](const std::string& line) { lines.push_back(line); };
  }
  bool anyContains(const std::string& needle) const {
    for (const auto& l : lines) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

inline SourceConfig syntheticSource(int64_t count, uint64_t seed = 7, std::string name = "") {
  SourceConfig s;
  s.kind = "synthetic";
  s.name = std::move(name);
  s.count = count;
  s.seed = seed;
  return s;
}

// Reads a whole file, for tests that rewrite a shared file (reordered, corrupted).
inline std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace cog::data::test
