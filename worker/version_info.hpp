#pragma once
#include <string>
#include <vector>

namespace cog::worker {

struct VersionInfo {
  std::string cog;                        // project version
  std::string torch;                      // LibTorch version compiled against
  int cuda_devices = 0;                   // GPUs this LibTorch sees (0: a CPU build, or none)
  std::string blas;                       // BLAS library actually loaded in this process
  std::string blas_core;                  // OpenBLAS kernels in use and why (blas/blas_core_choice.hpp)
  std::string host_malloc;                // how freed tensor memory is kept (malloc/malloc_tuning.hpp)
  int intra_op_threads = 0;               // LibTorch intra-op threads in use
  std::vector<std::string> collectives;   // collective backends compiled in
};

// Reads what this process really runs with (not what the build hoped for): the BLAS comes
// from the loaded library, which on Debian is whatever the alternatives system points at.
// `blas_core` is describeBlasCore() of the decision the entry point acted on at start-up,
// `host_malloc` what keepFreedMemoryInProcess() did.
VersionInfo collectVersionInfo(std::string blas_core, std::string host_malloc = "");

std::string formatVersionInfo(const VersionInfo& info);

}  // namespace cog::worker
