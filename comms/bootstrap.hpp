#pragma once
// Maps the launcher's environment into a RankInfo, once, at the process entry point
// (STYLE.md rule 3: no getenv deep inside). The entry point passes ::getenv; tests pass a
// lookup over a plain map, so every launcher's variables are tested without launching.
//
// Order: OpenMPI's mpirun (OMPI_COMM_WORLD_*), then Slurm's srun (SLURM_PROCID...), else a
// world of one. mpirun inside an sbatch allocation sets both; mpirun's view wins because it
// describes the processes actually started.

#include "comms/collective.hpp"
#include "common/environment_lookup.hpp"

namespace cog::comms {

// Throws CommsError naming the variable and its value when a variable is missing, not a
// non-negative integer, or inconsistent with the others (rank >= size, ...).
RankInfo rankInfoFromEnvironment(const EnvironmentLookup& getenv);

// Sets Open MPI defaults Cog's gradient buckets need, each only when the user has not set
// it; call at the entry point before MPI starts. Today one: libnbc's MPI_Iallreduce uses
// the ring algorithm (OMPI_MCA_coll_libnbc_iallreduce_algorithm=1). Measured with
// bench/allreduce on 2 ranks: libnbc's default takes 1.9-2.3x as long as blocking
// MPI_Allreduce for 1-64 MiB buffers; ring takes 1.00-1.25x.
void applyMpiTuningDefaults();

}  // namespace cog::comms
