#include "common/remove_tree.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace cog {
namespace {

namespace fs = std::filesystem;

class RemoveTreeTest : public testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("cog_remove_tree_" + std::to_string(::getpid()));
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    removeTree(root_, ec);
  }
  void write(const fs::path& path) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "x";
  }
  fs::path root_;
};

TEST_F(RemoveTreeTest, RemovesANestedTreeAndCountsEveryEntry) {
  const fs::path tree = root_ / "checkpoint-000100";
  write(tree / "model.pt");
  write(tree / "optim" / "state.bin");
  write(tree / "optim" / "deeper" / "more.bin");
  fs::create_directories(tree / "empty");
  // 3 files and 4 directories (the tree, optim, deeper, empty)
  EXPECT_EQ(removeTree(tree), 7u);
  EXPECT_FALSE(fs::exists(tree));
  EXPECT_TRUE(fs::exists(root_)) << "only the tree goes, not its parent";
}

TEST_F(RemoveTreeTest, RemovesASymlinkButNotWhatItPointsTo) {
  write(root_ / "keep" / "precious.txt");
  fs::create_directories(root_ / "tree");
  fs::create_directory_symlink(root_ / "keep", root_ / "tree" / "link");
  EXPECT_EQ(removeTree(root_ / "tree"), 2u);
  EXPECT_TRUE(fs::exists(root_ / "keep" / "precious.txt"));
}

TEST_F(RemoveTreeTest, RemovesAPlainFile) {
  write(root_ / "metrics.jsonl");
  EXPECT_EQ(removeTree(root_ / "metrics.jsonl"), 1u);
  EXPECT_FALSE(fs::exists(root_ / "metrics.jsonl"));
}

TEST_F(RemoveTreeTest, AMissingPathIsNoErrorAndRemovesNothing) {
  std::error_code ec;
  EXPECT_EQ(removeTree(root_ / "never-written", ec), 0u);
  EXPECT_FALSE(ec);
}

TEST_F(RemoveTreeTest, AnUnreachablePathReportsTheErrorAndTheThrowingFormNamesThePath) {
  write(root_ / "a-file");
  const fs::path below_a_file = root_ / "a-file" / "child";
  std::error_code ec;
  EXPECT_EQ(removeTree(below_a_file, ec), 0u);
  EXPECT_EQ(ec, std::errc::not_a_directory);
  try {
    removeTree(below_a_file);
    FAIL() << "expected filesystem_error";
  } catch (const fs::filesystem_error& e) {
    EXPECT_EQ(e.path1(), below_a_file);
    EXPECT_EQ(e.code(), std::errc::not_a_directory);
  }
}

}  // namespace
}  // namespace cog
