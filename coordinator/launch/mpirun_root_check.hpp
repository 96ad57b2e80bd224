#pragma once
// Open MPI's mpirun will not start as root unless told it may (`--allow-run-as-root`, or
// OMPI_ALLOW_RUN_AS_ROOT=1 with OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1). A coordinator run as root
// (a fresh VM, a container) would otherwise see every multi-rank attempt exit with code 1
// within a second and restart it until the restart limit, the reason only in the attempt's
// log. The local launcher asks this before its first multi-rank attempt, so that the job
// fails at once with the fix in its reason instead.
#include <optional>
#include <string>
#include <vector>

namespace cog::coord {

struct MpirunRootFacts {
  bool root = false;             // the coordinator's effective uid is 0
  bool allowed_by_env = false;   // OMPI_ALLOW_RUN_AS_ROOT=1 and ..._CONFIRM=1 in its environment
  bool allowed_by_args = false;  // launcher.mpirun_args has --allow-run-as-root
  bool open_mpi = false;         // `mpirun --version` names Open MPI (MPICH has no such rule)
};

// These facts on this machine. `mpirun --version` runs only when the answer depends on it
// (root, and neither switch given).
MpirunRootFacts mpirunRootFacts(const std::string& mpirun,
                                const std::vector<std::string>& mpirun_args);

// Why `mpirun` would refuse to start the ranks, with what to do about it; nullopt if it will not.
std::optional<std::string> mpirunRootRefusal(const MpirunRootFacts& facts,
                                             const std::string& mpirun);

}  // namespace cog::coord
