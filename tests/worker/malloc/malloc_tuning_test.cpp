// worker/malloc: tune glibc malloc unless the user already chose how memory is managed.
#include <gtest/gtest.h>

#include <malloc.h>

#include <cstdlib>
#include <map>
#include <string>

#include "worker/malloc/malloc_tuning.hpp"

namespace cog::worker::host_malloc {
namespace {

EnvironmentLookup environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> const char* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : it->second.c_str();
  };
}

TEST(MallocTuning, AppliesWhenTheUserChoseNothing) {
  const auto tuning = chooseMallocTuning(environment({{"PATH", "/usr/bin"}, {"GLIBC_TUNABLES", "glibc.cpu.x86_rep_movsb_threshold=1"}}));
  EXPECT_TRUE(tuning.apply);
  EXPECT_NE(tuning.reason.find("MALLOC_MMAP_THRESHOLD_"), std::string::npos) << "says how to override: " << tuning.reason;
}

TEST(MallocTuning, TheUsersSettingWins) {
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX"}) {
    const auto tuning = chooseMallocTuning(environment({{name, "65536"}}));
    EXPECT_FALSE(tuning.apply) << name;
    EXPECT_NE(tuning.reason.find(std::string(name) + "=65536"), std::string::npos) << tuning.reason;
  }
  EXPECT_FALSE(chooseMallocTuning(environment({{"GLIBC_TUNABLES", "glibc.malloc.trim_threshold=0"}})).apply);
  const auto preloaded = chooseMallocTuning(environment({{"LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"}}));
  EXPECT_FALSE(preloaded.apply);
  EXPECT_NE(preloaded.reason.find("jemalloc"), std::string::npos) << preloaded.reason;
}

// Applied for real (this process; the test main() applied it already, so this repeats it):
// this glibc accepts the thresholds, and a block larger than glibc's largest automatic mmap
// threshold (32 MiB) comes from the heap, not from a mapping of its own that free() would
// hand back to the kernel.
TEST(MallocTuning, ThisGlibcServesALargeBlockFromTheHeap) {
  const std::string line = keepFreedMemoryInProcess(environment({}));
  ASSERT_EQ(line.find("refused"), std::string::npos) << line;
  const auto mapped_before = mallinfo2().hblks;
  void* block = std::malloc(48 << 20);
  ASSERT_NE(block, nullptr);
  const auto mapped_during = mallinfo2().hblks;
  std::free(block);
  EXPECT_EQ(mapped_during, mapped_before) << "the 48 MiB block got a mapping of its own";
}

}  // namespace
}  // namespace cog::worker::host_malloc
