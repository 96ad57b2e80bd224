#pragma once
// Which OpenBLAS kernel set ("core") a process should run with, decided from plain values:
// the core OpenBLAS chose when it loaded, the CPU's vector extensions and the environment.
// Torch-free and side-effect free; blas_core_startup.hpp gathers the values and acts.
//
// Why: OpenBLAS built with DYNAMIC_ARCH picks its kernels once, when the library loads, from
// a table of CPU models it knows. Debian 12's OpenBLAS 0.3.21 does not know newer Intel
// server cores (Xeon with AVX-512 FP16/AMX) and falls back to its Prescott (SSE3) kernels:
// a 1024^3 float matmul then runs at 27 GFLOP/s on one thread instead of 111 with
// OPENBLAS_CORETYPE=SkylakeX, and a `default` step takes 16.8 s instead of 5.2 s (issue 11).
// (BLIS 0.9.0, Debian's libblis4-openmp, has the same gap: on a Zen 5 EPYC it picks its
// 'generic' kernels, 33 GFLOP/s; forced to 'skx' 165-186, still below OpenBLAS's 199-205.)
// The fix has to happen before the library loads: the entry point re-executes itself once
// with OPENBLAS_CORETYPE set (blas_core_startup.hpp).
#include <optional>
#include <string>
#include <string_view>

namespace cog::worker::blas {

// The widest vector instructions a CPU runs, or an OpenBLAS core's kernels are written in.
// Ordered: a later tier's kernels are faster on a CPU that has it.
enum class SimdTier { kUnknown, kSse, kAvx, kAvx2, kAvx512 };

// What the CPU reports (cpuid, with the OS's consent to use the wide registers).
struct CpuFeatures {
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
};

// AVX-512 counts only with F, BW, VL and DQ together: OpenBLAS's SkylakeX kernels use all four.
SimdTier cpuTier(const CpuFeatures& cpu);

// The tier of an OpenBLAS core name as openblas_get_corename() spells it ("Haswell",
// "SkylakeX"; compared without regard to case); kUnknown for a name this table lacks.
SimdTier coreTier(std::string_view core);

// "AVX-512", "AVX2", ...: how --version names a tier.
std::string tierName(SimdTier tier);

// The environment the decision reads. `marker` is kCoreSetMarker's value, which the entry
// point leaves when it sets OPENBLAS_CORETYPE itself: "<core OpenBLAS chose>><core set>",
// e.g. "Prescott>SkylakeX". It tells a re-executed process (and its children) that the
// variable is Cog's, not the user's, and stops a second re-execution.
struct BlasCoreEnvironment {
  std::optional<std::string> coretype;  // OPENBLAS_CORETYPE
  std::optional<std::string> marker;    // kCoreSetMarker
};
inline constexpr const char* kCoreSetMarker = "COG_OPENBLAS_CORETYPE_SET";

struct BlasCoreDecision {
  std::string core;         // the core in use now ("" when no OpenBLAS is loaded)
  std::string set_core;     // when not empty: set OPENBLAS_CORETYPE to this and re-execute
  std::string marker;       // kCoreSetMarker's value to go with set_core
  std::string explanation;  // why `core` is in use, for --version
};

// The rules, in order:
//  1. no OpenBLAS loaded: nothing to do.
//  2. OPENBLAS_CORETYPE came from Cog (the marker names it): keep it, explain where it came from.
//  3. the user set OPENBLAS_CORETYPE: it always wins; the explanation says when the CPU could
//     run faster kernels.
//  4. OpenBLAS chose a core of a lower tier than the CPU's and a faster core for that tier
//     is known (fasterCoreFor): set it.
//  5. otherwise OpenBLAS's own choice stands.
// `chosen_core` is openblas_get_corename() of this process.
BlasCoreDecision decideBlasCore(std::string_view chosen_core, const CpuFeatures& cpu,
                                const BlasCoreEnvironment& env);

// The core to set when OpenBLAS chose a lower tier than `cpu_tier`, or nullopt when none is
// known to be faster. Only cores measured faster are listed (figures in the .cpp).
std::optional<std::string> fasterCoreFor(SimdTier cpu_tier);

// "SkylakeX (OPENBLAS_CORETYPE set by Cog: OpenBLAS chose Prescott, this CPU has AVX-512)".
std::string describeBlasCore(const BlasCoreDecision& decision);

}  // namespace cog::worker::blas
