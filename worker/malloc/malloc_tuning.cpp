#include "worker/malloc/malloc_tuning.hpp"

#include <malloc.h>

#include <array>

namespace cog::worker::host_malloc {

MallocTuning chooseMallocTuning(const EnvironmentLookup& getenv) {
  static constexpr std::array<const char*, 5> kUserSettings = {
      "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX"};
  for (const char* name : kUserSettings) {
    if (const char* value = getenv(name); value != nullptr) {
      return {false, std::string("as the user set it (") + name + "=" + value + ")"};
    }
  }
  if (const char* tunables = getenv("GLIBC_TUNABLES");
      tunables != nullptr && std::string(tunables).find("glibc.malloc.") != std::string::npos) {
    return {false, std::string("as the user set it (GLIBC_TUNABLES=") + tunables + ")"};
  }
  if (const char* preload = getenv("LD_PRELOAD"); preload != nullptr) {
    const std::string p = preload;
    for (const char* allocator : {"jemalloc", "tcmalloc", "mimalloc"}) {
      if (p.find(allocator) != std::string::npos) return {false, std::string("the user's ") + allocator + " (LD_PRELOAD)"};
    }
  }
  return {true, "glibc malloc keeps freed memory up to 1 GiB in the process (mmap and trim thresholds; "
                "set MALLOC_MMAP_THRESHOLD_ to choose otherwise)"};
}

std::string keepFreedMemoryInProcess(const EnvironmentLookup& getenv) {
  const MallocTuning tuning = chooseMallocTuning(getenv);
  if (!tuning.apply) return tuning.reason;
  const bool ok = mallopt(M_MMAP_THRESHOLD, kKeepInProcessBytes) == 1 && mallopt(M_TRIM_THRESHOLD, kKeepInProcessBytes) == 1;
  if (!ok) return "glibc defaults (this glibc refused a 1 GiB mmap threshold)";
  return tuning.reason;
}

}  // namespace cog::worker::host_malloc
