// Compiled into every test executable that links cog_poisoned_remove_all
// (cog_poison_std_remove_all in tests/common/CMakeLists.txt). It shows the poison is live in
// that executable, so its other suites can fail on a call of std::filesystem::remove_all, and
// its own reference keeps the linker from dropping the library as unneeded: references from
// the static libraries under test come later on the link line, too late to count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "common/remove_tree.hpp"

namespace cog {
namespace {

namespace fs = std::filesystem;

TEST(StdRemoveAllInterposedDeathTest, ItIsThePoisonedCopyInThisExecutable) {
  const fs::path tree = fs::temp_directory_path() / ("cog_interposed_" + std::to_string(::getpid()));
  fs::create_directories(tree / "leaf");
  EXPECT_DEATH(fs::remove_all(tree), "interposed std::filesystem::remove_all\\(\".*cog_interposed_[0-9]+\"\\)");
  std::error_code ec;
  EXPECT_DEATH(fs::remove_all(tree, ec), "interposed std::filesystem::remove_all");
  EXPECT_EQ(removeTree(tree), 2u) << "removeTree is not interposed";
}

}  // namespace
}  // namespace cog
