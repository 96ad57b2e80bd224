#include "worker/blas/blas_core_startup.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace cog::worker::blas {

CpuFeatures cpuFeaturesOfThisMachine() {
  __builtin_cpu_init();
  CpuFeatures cpu;
  cpu.avx = __builtin_cpu_supports("avx");
  cpu.avx2 = __builtin_cpu_supports("avx2");
  cpu.fma = __builtin_cpu_supports("fma");
  cpu.avx512f = __builtin_cpu_supports("avx512f");
  cpu.avx512bw = __builtin_cpu_supports("avx512bw");
  cpu.avx512vl = __builtin_cpu_supports("avx512vl");
  cpu.avx512dq = __builtin_cpu_supports("avx512dq");
  return cpu;
}

std::string loadedOpenblasCore() {
  // Looked up, not linked: the program must run (and say "no OpenBLAS") on any BLAS.
  using CoreNameFn = char* (*)();
  auto fn = reinterpret_cast<CoreNameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!fn) return {};
  const char* name = fn();
  return name ? name : "";
}

BlasCoreEnvironment blasCoreEnvironment(const EnvironmentLookup& getenv) {
  BlasCoreEnvironment env;
  if (const char* v = getenv("OPENBLAS_CORETYPE")) env.coretype = v;
  if (const char* v = getenv(kCoreSetMarker)) env.marker = v;
  return env;
}

BlasCoreDecision useFastestBlasCore(char** argv, const EnvironmentLookup& getenv,
                                    const std::string& chosen_core) {
  BlasCoreDecision decision = decideBlasCore(chosen_core, cpuFeaturesOfThisMachine(), blasCoreEnvironment(getenv));
  if (decision.set_core.empty()) return decision;
  ::setenv("OPENBLAS_CORETYPE", decision.set_core.c_str(), 1);
  ::setenv(kCoreSetMarker, decision.marker.c_str(), 1);
  std::cout.flush();
  std::cerr.flush();
  ::execv("/proc/self/exe", argv);
  // Still here: the faster core is lost, nothing else. Undo the variables so that children
  // (which do load the library afresh) do not report a core this process does not run.
  const int err = errno;
  ::unsetenv("OPENBLAS_CORETYPE");
  ::unsetenv(kCoreSetMarker);
  std::cerr << "warning: could not re-execute " << (argv[0] ? argv[0] : "this program")
            << " with OPENBLAS_CORETYPE=" << decision.set_core << " (" << std::strerror(err)
            << "); running on OpenBLAS's " << decision.core << " kernels, which are slower on this CPU. "
            << "Set OPENBLAS_CORETYPE=" << decision.set_core << " yourself to avoid this.\n";
  decision.explanation += "; re-executing with " + decision.set_core + " failed";
  decision.set_core.clear();
  return decision;
}

}  // namespace cog::worker::blas
