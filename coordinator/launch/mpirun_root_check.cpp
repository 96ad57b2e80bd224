#include "coordinator/launch/mpirun_root_check.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "coordinator/launch/command_runner.hpp"

namespace cog::coord {
namespace {

bool envIsOne(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && std::string(value) == "1";
}

bool namesOpenMpi(const std::string& mpirun) {
  try {
    const auto result = runCommand({mpirun, "--version"}, std::chrono::seconds(10));
    return (result.out + result.err).find("Open MPI") != std::string::npos;
  } catch (const std::exception&) {
    return false;  // no process at all: the attempt's own exec failure will say so
  }
}

}  // namespace

MpirunRootFacts mpirunRootFacts(const std::string& mpirun,
                                const std::vector<std::string>& mpirun_args) {
  MpirunRootFacts facts;
  facts.root = ::geteuid() == 0;
  facts.allowed_by_env =
      envIsOne("OMPI_ALLOW_RUN_AS_ROOT") && envIsOne("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM");
  facts.allowed_by_args =
      std::find(mpirun_args.begin(), mpirun_args.end(), "--allow-run-as-root") != mpirun_args.end();
  if (facts.root && !facts.allowed_by_env && !facts.allowed_by_args)
    facts.open_mpi = namesOpenMpi(mpirun);
  return facts;
}

std::optional<std::string> mpirunRootRefusal(const MpirunRootFacts& facts,
                                             const std::string& mpirun) {
  if (!facts.root || facts.allowed_by_env || facts.allowed_by_args || !facts.open_mpi)
    return std::nullopt;
  return mpirun +
         " (Open MPI) refuses to start ranks as root, and cogcoord runs as root: run it as "
         "another user, or allow it with `launcher.mpirun_args: [--allow-run-as-root, "
         "--oversubscribe, --bind-to, none]` in the experiment (or OMPI_ALLOW_RUN_AS_ROOT=1 "
         "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in cogcoord's environment)";
}

}  // namespace cog::coord
