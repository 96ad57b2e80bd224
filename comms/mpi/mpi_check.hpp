#pragma once
// The one checker for MPI return codes (STYLE.md rule 5). It only sees codes because Cog's
// communicators use MPI_ERRORS_RETURN instead of MPI's default of aborting the job.
#include <string>

namespace cog::comms {

// Throws CommsError "<what> failed: <MPI_Error_string text>" unless rc == MPI_SUCCESS.
void mpiCheck(int rc, const char* what);
inline void mpiCheck(int rc, const std::string& what) { mpiCheck(rc, what.c_str()); }

}  // namespace cog::comms
