// The OpenBLAS core rules (worker/blas/blas_core_choice.hpp), one test per rule, on plain values.
#include "worker/blas/blas_core_choice.hpp"

#include <gtest/gtest.h>

namespace cog::worker::blas {
namespace {

CpuFeatures avx512Cpu() { return {true, true, true, true, true, true, true}; }
CpuFeatures avx2Cpu() { return {true, true, true, false, false, false, false}; }

TEST(BlasCoreChoice, CpuTierNeedsEveryAvx512PartSkylakeXUses) {
  EXPECT_EQ(cpuTier(avx512Cpu()), SimdTier::kAvx512);
  CpuFeatures no_dq = avx512Cpu();
  no_dq.avx512dq = false;  // e.g. Xeon Phi: AVX-512F without DQ/BW/VL
  EXPECT_EQ(cpuTier(no_dq), SimdTier::kAvx2);
  CpuFeatures avx2_no_fma = avx2Cpu();
  avx2_no_fma.fma = false;
  EXPECT_EQ(cpuTier(avx2_no_fma), SimdTier::kAvx);
  EXPECT_EQ(cpuTier(CpuFeatures{}), SimdTier::kSse);
}

TEST(BlasCoreChoice, CoreTierKnowsOpenBlasNamesInAnyCase) {
  EXPECT_EQ(coreTier("Prescott"), SimdTier::kSse);
  EXPECT_EQ(coreTier("Sandybridge"), SimdTier::kAvx);
  EXPECT_EQ(coreTier("Haswell"), SimdTier::kAvx2);
  EXPECT_EQ(coreTier("ZEN"), SimdTier::kAvx2);
  EXPECT_EQ(coreTier("skylakex"), SimdTier::kAvx512);
  EXPECT_EQ(coreTier("Cooperlake"), SimdTier::kAvx512);
  EXPECT_EQ(coreTier("Zen5"), SimdTier::kUnknown);
}

TEST(BlasCoreChoice, NoOpenBlasMeansNothingToDo) {
  const auto d = decideBlasCore("", avx512Cpu(), {});
  EXPECT_TRUE(d.set_core.empty());
  EXPECT_EQ(describeBlasCore(d), "no OpenBLAS loaded");
}

TEST(BlasCoreChoice, WeakerCoreThanTheCpuIsUpgradedToTheMeasuredFasterOne) {
  // The Xeon: OpenBLAS 0.3.21 does not know it and picks Prescott.
  auto d = decideBlasCore("Prescott", avx512Cpu(), {});
  EXPECT_EQ(d.set_core, "SkylakeX");
  EXPECT_EQ(d.marker, "Prescott>SkylakeX");
  // An AVX-512 CPU that OpenBLAS runs on its AVX2 kernels.
  d = decideBlasCore("Haswell", avx512Cpu(), {});
  EXPECT_EQ(d.set_core, "SkylakeX");
  d = decideBlasCore("Zen", avx512Cpu(), {});
  EXPECT_EQ(d.set_core, "SkylakeX");
  // An AVX2-only CPU on SSE kernels.
  d = decideBlasCore("Prescott", avx2Cpu(), {});
  EXPECT_EQ(d.set_core, "Haswell");
  EXPECT_EQ(d.marker, "Prescott>Haswell");
  // An AVX-only CPU on SSE kernels.
  EXPECT_EQ(decideBlasCore("Prescott", CpuFeatures{true}, {}).set_core, "Sandybridge");
}

TEST(BlasCoreChoice, OpenBlasOwnChoiceStandsWhenItMatchesTheCpuOrNothingFasterIsKnown) {
  for (const char* core : {"SkylakeX", "Cooperlake"}) {
    const auto d = decideBlasCore(core, avx512Cpu(), {});
    EXPECT_TRUE(d.set_core.empty()) << core;
    EXPECT_EQ(describeBlasCore(d), std::string(core) + " (OpenBLAS's own choice)");
  }
  EXPECT_TRUE(decideBlasCore("Haswell", avx2Cpu(), {}).set_core.empty());
  // An SSE-only CPU has nothing faster than Prescott.
  EXPECT_TRUE(decideBlasCore("Prescott", CpuFeatures{}, {}).set_core.empty());
  // A core name this table does not know is never second-guessed.
  EXPECT_TRUE(decideBlasCore("Zen5", avx512Cpu(), {}).set_core.empty());
}

TEST(BlasCoreChoice, TheUsersCoreTypeAlwaysWinsAndTheExplanationPointsAtTheFasterOne) {
  auto d = decideBlasCore("Haswell", avx512Cpu(), {std::string("Haswell"), std::nullopt});
  EXPECT_TRUE(d.set_core.empty());
  EXPECT_EQ(describeBlasCore(d),
            "Haswell (set by the user in OPENBLAS_CORETYPE; this CPU has AVX-512, unset it (or set SkylakeX) "
            "for faster kernels)");
  d = decideBlasCore("SkylakeX", avx512Cpu(), {std::string("SkylakeX"), std::nullopt});
  EXPECT_EQ(describeBlasCore(d), "SkylakeX (set by the user in OPENBLAS_CORETYPE)");
  // An empty variable is no setting (OpenBLAS ignores it too).
  EXPECT_EQ(decideBlasCore("Prescott", avx512Cpu(), {std::string(""), std::nullopt}).set_core, "SkylakeX");
}

TEST(BlasCoreChoice, CoreTypeSetByCogIsKeptAndExplainedNeverSetTwice) {
  auto d = decideBlasCore("SkylakeX", avx512Cpu(), {std::string("SkylakeX"), std::string("Prescott>SkylakeX")});
  EXPECT_TRUE(d.set_core.empty());
  EXPECT_EQ(describeBlasCore(d), "SkylakeX (OPENBLAS_CORETYPE set by Cog: OpenBLAS chose Prescott, this CPU has AVX-512)");
  // OpenBLAS did not honour it: say so, and do not try again (that would loop).
  d = decideBlasCore("Prescott", avx512Cpu(), {std::string("SkylakeX"), std::string("Prescott>SkylakeX")});
  EXPECT_TRUE(d.set_core.empty());
  EXPECT_NE(d.explanation.find("OpenBLAS did not take SkylakeX"), std::string::npos) << d.explanation;
  // The marker names another core than the variable holds: the user changed it since.
  d = decideBlasCore("Haswell", avx512Cpu(), {std::string("Haswell"), std::string("Prescott>SkylakeX")});
  EXPECT_NE(d.explanation.find("set by the user"), std::string::npos) << d.explanation;
  // The marker without the variable (someone unset it): no second re-execution.
  EXPECT_TRUE(decideBlasCore("Prescott", avx512Cpu(), {std::nullopt, std::string("Prescott>SkylakeX")}).set_core.empty());
}

}  // namespace
}  // namespace cog::worker::blas
