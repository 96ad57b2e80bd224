// main() of every test executable: GoogleTest's, after the OpenBLAS core check that
// cogworker's main() makes (worker/blas/blas_core_startup.hpp), so that tests run the
// kernels a training run would and not OpenBLAS's fallback on CPUs it does not know; and with
// freed tensor memory kept in the process as cogworker keeps it (worker/malloc/); a crash
// prints its stack (common/crash_backtrace.hpp).
#include <gtest/gtest.h>

#include "common/crash_backtrace.hpp"
#include "common/environment_lookup.hpp"
#include "worker/blas/blas_core_startup.hpp"
#include "worker/malloc/malloc_tuning.hpp"

int main(int argc, char** argv) {
  cog::printBacktraceOnFatalSignal(argv[0]);
  using namespace cog::worker::blas;
  useFastestBlasCore(argv, cog::processEnvironment(), loadedOpenblasCore());
  cog::worker::host_malloc::keepFreedMemoryInProcess(cog::processEnvironment());
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
