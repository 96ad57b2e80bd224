#include "worker/blas/blas_core_choice.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace cog::worker::blas {
namespace {

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// OpenBLAS 0.3.21's x86-64 DYNAMIC_ARCH cores (driver/others/dynamic.c, corename[]) by the
// vector extension their sgemm kernels are written in. Zen, Excavator and friends reuse the
// Haswell or Sandybridge kernels.
constexpr std::array<std::pair<std::string_view, SimdTier>, 26> kCoreTiers{{
    {"Katmai", SimdTier::kSse},       {"Coppermine", SimdTier::kSse}, {"Northwood", SimdTier::kSse},
    {"Prescott", SimdTier::kSse},     {"Banias", SimdTier::kSse},     {"Atom", SimdTier::kSse},
    {"Core2", SimdTier::kSse},        {"Penryn", SimdTier::kSse},     {"Dunnington", SimdTier::kSse},
    {"Nehalem", SimdTier::kSse},      {"Athlon", SimdTier::kSse},     {"Opteron", SimdTier::kSse},
    {"Opteron_SSE3", SimdTier::kSse}, {"Barcelona", SimdTier::kSse},  {"Nano", SimdTier::kSse},
    {"Bobcat", SimdTier::kSse},       {"Sandybridge", SimdTier::kAvx}, {"Bulldozer", SimdTier::kAvx},
    {"Piledriver", SimdTier::kAvx},   {"Steamroller", SimdTier::kAvx}, {"Excavator", SimdTier::kAvx},
    {"Haswell", SimdTier::kAvx2},     {"Zen", SimdTier::kAvx2},       {"SkylakeX", SimdTier::kAvx512},
    {"Cooperlake", SimdTier::kAvx512}, {"SapphireRapids", SimdTier::kAvx512},
}};

}  // namespace

SimdTier cpuTier(const CpuFeatures& cpu) {
  if (cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq) return SimdTier::kAvx512;
  if (cpu.avx2 && cpu.fma) return SimdTier::kAvx2;
  if (cpu.avx) return SimdTier::kAvx;
  return SimdTier::kSse;
}

SimdTier coreTier(std::string_view core) {
  for (const auto& [name, tier] : kCoreTiers) {
    if (sameName(name, core)) return tier;
  }
  return SimdTier::kUnknown;
}

std::string tierName(SimdTier tier) {
  switch (tier) {
    case SimdTier::kSse: return "SSE only";
    case SimdTier::kAvx: return "AVX";
    case SimdTier::kAvx2: return "AVX2";
    case SimdTier::kAvx512: return "AVX-512";
    case SimdTier::kUnknown: break;
  }
  return "unknown vector extensions";
}

// Measured, 1024^3 float matmul through LibTorch on one thread, best of several runs:
//  - Xeon with AVX-512 and AMX (issue 11): Prescott 27 GFLOP/s, SkylakeX 111.
//  - AMD EPYC (Zen 5, AVX-512; bench/blas_cores, README "BLAS kernels"): Prescott 40,
//    Sandybridge 101, Haswell 107, Zen 107, SkylakeX 203, Cooperlake 212 (OpenBLAS's own
//    pick there; the same sgemm kernels as SkylakeX).
// So each tier's kernels beat the tier below on a CPU that runs them; the AVX and AVX2 rows
// stand in for CPUs that stop at those tiers. Cooperlake and SapphireRapids are not set here:
// their bf16 kernels need instructions (AVX512_BF16, AMX) that the AVX-512 tier does not promise.
std::optional<std::string> fasterCoreFor(SimdTier cpu_tier) {
  switch (cpu_tier) {
    case SimdTier::kAvx512: return "SkylakeX";
    case SimdTier::kAvx2: return "Haswell";
    case SimdTier::kAvx: return "Sandybridge";
    default: return std::nullopt;  // SSE only: Prescott and its kin are what there is
  }
}

BlasCoreDecision decideBlasCore(std::string_view chosen_core, const CpuFeatures& cpu,
                                const BlasCoreEnvironment& env) {
  BlasCoreDecision d;
  d.core = std::string(chosen_core);
  if (chosen_core.empty()) {
    d.explanation = "no OpenBLAS loaded";
    return d;
  }
  const SimdTier cpu_tier = cpuTier(cpu);
  const SimdTier core_tier = coreTier(chosen_core);
  const bool coretype_set = env.coretype && !env.coretype->empty();
  if (coretype_set && env.marker) {
    const auto sep = env.marker->find('>');
    if (sep != std::string::npos && sameName(env.marker->substr(sep + 1), *env.coretype)) {
      d.explanation = "OPENBLAS_CORETYPE set by Cog: OpenBLAS chose " + env.marker->substr(0, sep) +
                      ", this CPU has " + tierName(cpu_tier);
      if (!sameName(chosen_core, *env.coretype)) {
        d.explanation += "; OpenBLAS did not take " + *env.coretype;
      }
      return d;
    }
  }
  if (coretype_set) {
    d.explanation = "set by the user in OPENBLAS_CORETYPE";
    const auto faster = fasterCoreFor(cpu_tier);
    if (core_tier != SimdTier::kUnknown && core_tier < cpu_tier && faster) {
      d.explanation += "; this CPU has " + tierName(cpu_tier) + ", unset it (or set " + *faster +
                       ") for faster kernels";
    }
    return d;
  }
  const auto faster = fasterCoreFor(cpu_tier);
  if (core_tier != SimdTier::kUnknown && core_tier < cpu_tier && faster && !env.marker) {
    d.set_core = *faster;
    d.marker = d.core + ">" + *faster;
    d.explanation = "OpenBLAS chose " + d.core + ", this CPU has " + tierName(cpu_tier);
    return d;
  }
  d.explanation = "OpenBLAS's own choice";
  return d;
}

std::string describeBlasCore(const BlasCoreDecision& decision) {
  if (decision.core.empty()) return decision.explanation;
  return decision.core + " (" + decision.explanation + ")";
}

}  // namespace cog::worker::blas
