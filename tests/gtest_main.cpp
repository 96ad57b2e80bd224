// main() of every test executable: GoogleTest's, after the OpenBLAS core check that
// cogworker's main() makes (worker/blas/blas_core_startup.hpp), so that tests run the
// kernels a training run would and not OpenBLAS's fallback on CPUs it does not know.
#include <gtest/gtest.h>

#include <cstdlib>

#include "worker/blas/blas_core_startup.hpp"

int main(int argc, char** argv) {
  using namespace cog::worker::blas;
  useFastestBlasCore(argv, [](const char* name) { return std::getenv(name); }, loadedOpenblasCore());
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
