#include "comms/mpi/mpi_runtime.hpp"

#include <mpi.h>

#include <string>

#include "common/error.hpp"
#include "comms/mpi/mpi_check.hpp"

namespace cog::comms {

MpiRuntime::MpiRuntime() {
  int finalized = 0;
  mpiCheck(MPI_Finalized(&finalized), "MPI_Finalized");
  if (finalized)
    throw CommsError(
        "MPI was already finalized in this process and cannot start again; "
        "hold one MpiRuntime for the whole run");
  int initialized = 0;
  mpiCheck(MPI_Initialized(&initialized), "MPI_Initialized");
  if (initialized) {
    mpiCheck(MPI_Query_thread(&thread_level_), "MPI_Query_thread");
  } else {
    mpiCheck(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &thread_level_),
             "MPI_Init_thread");
    initialised_here_ = true;
  }
  if (thread_level_ < MPI_THREAD_SERIALIZED) {
    if (initialised_here_) MPI_Finalize();  // the destructor will not run
    throw CommsError("MPI provides thread level " + std::to_string(thread_level_) +
                     ", below MPI_THREAD_SERIALIZED (" + std::to_string(MPI_THREAD_SERIALIZED) +
                     ") which Cog's collectives need");
  }
}

MpiRuntime::~MpiRuntime() {
  if (initialised_here_ && !skip_finalize_) MPI_Finalize();
}

}  // namespace cog::comms
