// useFastestBlasCore for real: blas_core_probe re-executes itself with OPENBLAS_CORETYPE set,
// and OpenBLAS (loaded afresh) runs the kernels asked for. OpenBLAS's own choice is stood in
// for, so the path runs on any x86-64 machine, whatever OpenBLAS would pick there.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <string>

#include "worker/blas/blas_core_startup.hpp"

namespace cog::worker::blas {
namespace {

// Runs the probe under `env` with `env_args` (e.g. "-u OPENBLAS_CORETYPE"), without the
// marker this test's own start-up may have left, and parses its lines.
std::map<std::string, std::string> runProbe(const std::string& env_args, const std::string& args) {
  const std::string command =
      std::string("env -u ") + kCoreSetMarker + " " + env_args + " " + COG_BLAS_CORE_PROBE + " " + args;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_TRUE(pipe) << command;
  std::map<std::string, std::string> fields;
  char line[1024];
  while (pipe && fgets(line, sizeof line, pipe.get())) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    const auto eq = s.find('=');
    if (eq != std::string::npos) fields[s.substr(0, eq)] = s.substr(eq + 1);
  }
  return fields;
}

const std::optional<std::string> kFaster = fasterCoreFor(cpuTier(cpuFeaturesOfThisMachine()));

TEST(BlasCoreStartup, AWeakChoiceIsReplacedBeforeTheLibraryLoadsAgain) {
  const auto out = runProbe("-u OPENBLAS_CORETYPE", "--stand-in-core Prescott");
  ASSERT_TRUE(out.count("core")) << "the probe printed nothing; is libopenblas.so.0 installed?";
  if (!kFaster) {  // an SSE-only CPU: Prescott is as good as it gets
    EXPECT_EQ(out.at("coretype"), "");
    GTEST_SUCCEED() << "this CPU has no tier with a measured faster core; checked that nothing was set";
    return;
  }
  EXPECT_EQ(out.at("coretype"), *kFaster);
  EXPECT_EQ(out.at("core"), *kFaster) << "OpenBLAS, loaded after the re-execution, runs other kernels";
  EXPECT_EQ(out.at("described"), *kFaster + " (OPENBLAS_CORETYPE set by Cog: OpenBLAS chose Prescott, this CPU has " +
                                     tierName(cpuTier(cpuFeaturesOfThisMachine())) + ")");
}

TEST(BlasCoreStartup, AnOpenBlasThatIgnoresTheSettingDoesNotMakeItLoop) {
  // The stand-in claims Prescott after the re-execution too; the probe must still end (a loop
  // would hang until ctest's timeout) and say what happened.
  const auto out = runProbe("-u OPENBLAS_CORETYPE", "--stand-in-core Prescott --always");
  ASSERT_TRUE(out.count("described"));
  if (kFaster) {
    EXPECT_NE(out.at("described").find("OpenBLAS did not take " + *kFaster), std::string::npos) << out.at("described");
  }
}

TEST(BlasCoreStartup, TheUsersCoreTypeIsKept) {
  const auto out = runProbe("OPENBLAS_CORETYPE=Prescott", "--stand-in-core Prescott");
  ASSERT_TRUE(out.count("core"));
  EXPECT_EQ(out.at("coretype"), "Prescott");
  EXPECT_EQ(out.at("core"), "Prescott");
  EXPECT_EQ(out.at("described").rfind("Prescott (set by the user in OPENBLAS_CORETYPE", 0), 0u) << out.at("described");
}

}  // namespace
}  // namespace cog::worker::blas
