// Whether Open MPI's mpirun would refuse to start a job's ranks as root: the decision on
// every combination of the facts, and the facts read from the arguments, the environment
// and the real mpirun.
#include "coordinator/launch/mpirun_root_check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>

#include "tests/coordinator/core/scoped_env.hpp"

namespace cog::coord {
namespace {

TEST(MpirunRootCheck, RefusesOnlyRootWithOpenMpiAndNeitherSwitch) {
  for (int bits = 0; bits < 16; ++bits) {
    MpirunRootFacts f;
    f.root = bits & 1;
    f.allowed_by_env = bits & 2;
    f.allowed_by_args = bits & 4;
    f.open_mpi = bits & 8;
    const auto refusal = mpirunRootRefusal(f, "mpirun");
    const bool expected = f.root && f.open_mpi && !f.allowed_by_env && !f.allowed_by_args;
    EXPECT_EQ(refusal.has_value(), expected) << "facts " << bits;
    if (refusal) {
      // The message names both ways to allow it.
      EXPECT_NE(refusal->find("--allow-run-as-root"), std::string::npos) << *refusal;
      EXPECT_NE(refusal->find("OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"),
                std::string::npos)
          << *refusal;
    }
  }
}

TEST(MpirunRootCheck, FactsReadTheArgumentsAndTheEnvironment) {
  ScopedEnv allow("OMPI_ALLOW_RUN_AS_ROOT", "1");
  {
    ScopedEnv confirm("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    EXPECT_TRUE(mpirunRootFacts("mpirun", {}).allowed_by_env);
  }
  {
    // Open MPI wants both: the first alone does not allow it.
    ScopedEnv confirm("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", std::nullopt);
    const auto f = mpirunRootFacts("mpirun", {"--oversubscribe", "--allow-run-as-root"});
    EXPECT_FALSE(f.allowed_by_env);
    EXPECT_TRUE(f.allowed_by_args);
    EXPECT_FALSE(mpirunRootFacts("mpirun", {"--oversubscribe"}).allowed_by_args);
    EXPECT_EQ(f.root, ::geteuid() == 0);
  }
}

TEST(MpirunRootCheck, AsRootTheRealMpirunIsAskedWhichMpiItIs) {
  if (::geteuid() != 0)
    GTEST_SKIP() << "mpirun is asked only when cogcoord runs as root; this test does not";
  ScopedEnv allow("OMPI_ALLOW_RUN_AS_ROOT", std::nullopt);
  ScopedEnv confirm("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", std::nullopt);
  // Debian 12's mpirun (openmpi-bin, a dependency) is Open MPI: it would refuse.
  const auto f = mpirunRootFacts("mpirun", {"--oversubscribe"});
  EXPECT_TRUE(f.open_mpi);
  EXPECT_TRUE(mpirunRootRefusal(f, "mpirun").has_value());
  // A program that is not there is no Open MPI: its own exec failure will be reported.
  EXPECT_FALSE(mpirunRootFacts("/nonexistent/mpirun", {}).open_mpi);
  // /bin/echo prints "--version", no MPI's name.
  EXPECT_FALSE(mpirunRootFacts("/bin/echo", {}).open_mpi);
}

}  // namespace
}  // namespace cog::coord
