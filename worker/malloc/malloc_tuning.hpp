#pragma once
// Keeps freed tensor memory inside the process, so that a training step does not pay the
// kernel again for memory it freed a moment ago.
//
// glibc's malloc serves a large request (from 128 KiB, rising to at most 32 MiB as big blocks
// are freed) with its own mmap and returns it to the kernel with munmap on free, and it trims
// the heap's free top above 128 KiB. A training step allocates and frees the same activation
// and gradient tensors (MiBs each) every step, so every step page-faulted them in afresh and
// zeroed them: measured on the tiny preset at batch 32 x 96 (1 thread, a 2-core VM, runs
// interleaved), 1.55-2.11 s a step, 1.00-1.04 s with the thresholds below; page faults and
// memset were 14% of a profile.
// Call it first thing in main() (cogworker, the test executables).
#include <string>

#include "common/environment_lookup.hpp"

namespace cog::worker::host_malloc {

// Requests up to this size come from the heap, and the heap keeps up to this much free.
inline constexpr int kKeepInProcessBytes = 1 << 30;  // 1 GiB

struct MallocTuning {
  bool apply = false;
  std::string reason;  // why (not): what --version prints
};

// Pure: tune unless the user already chose: MALLOC_*_ variables, glibc.malloc tunables in
// GLIBC_TUNABLES, or another allocator in LD_PRELOAD.
MallocTuning chooseMallocTuning(const EnvironmentLookup& getenv);

// Decides from the environment and applies (mallopt); returns the line --version prints.
std::string keepFreedMemoryInProcess(const EnvironmentLookup& getenv);

}  // namespace cog::worker::host_malloc
