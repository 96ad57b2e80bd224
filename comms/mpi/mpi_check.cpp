#include "comms/mpi/mpi_check.hpp"

#include <mpi.h>

#include "common/error.hpp"

namespace cog::comms {

void mpiCheck(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(rc, text, &length) != MPI_SUCCESS) {
    throw CommsError(std::string(what) + " failed: MPI error code " + std::to_string(rc));
  }
  throw CommsError(std::string(what) + " failed: " + std::string(text, length));
}

}  // namespace cog::comms
