// A stand-in entry point for blas_core_startup_test.cpp: loads OpenBLAS, runs
// useFastestBlasCore as cogworker's main() does and prints what it ended with, one
// "key=value" per line. `--stand-in-core NAME` pretends OpenBLAS chose NAME in the first run
// (no marker yet), so the re-execution path runs on any machine; with `--always` also after
// it, which must not loop.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "common/environment_lookup.hpp"
#include "worker/blas/blas_core_startup.hpp"

int main(int argc, char** argv) {
  using namespace cog::worker::blas;
  std::string stand_in;
  bool always = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--stand-in-core") == 0 && i + 1 < argc) stand_in = argv[++i];
    if (std::strcmp(argv[i], "--always") == 0) always = true;
  }
  // Loaded here rather than linked: the probe must reach OpenBLAS whatever libblas.so.3 points at.
  if (!dlopen("libopenblas.so.0", RTLD_NOW | RTLD_GLOBAL)) {
    std::cerr << "blas_core_probe: cannot load libopenblas.so.0 (" << dlerror()
              << "); install libopenblas0-openmp (scripts/install-deps)\n";
    return 3;
  }
  const bool first_run = std::getenv(kCoreSetMarker) == nullptr;
  const std::string chosen = !stand_in.empty() && (first_run || always) ? stand_in : loadedOpenblasCore();
  const BlasCoreDecision d = useFastestBlasCore(argv, cog::processEnvironment(), chosen);
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::cout << "core=" << loadedOpenblasCore() << "\n"
            << "coretype=" << (coretype ? coretype : "") << "\n"
            << "described=" << describeBlasCore(d) << "\n";
  return 0;
}
