#pragma once
// Maps a tensor's dtype and reduction to the MPI datatype and operation that reduce it. MPI
// has no 16-bit float types, so bfloat16 and float16 travel as MPI_UINT16_T with user-defined
// sum and max operations that widen each pair to float, combine, and round back (the same
// per-step rounding NCCL does for these types). The user-defined ops live as long as this
// object.
#include <c10/core/ScalarType.h>
#include <mpi.h>

#include "comms/collective.hpp"

namespace cog::comms {

struct MpiTypedOp {
  MPI_Datatype datatype;
  MPI_Op op;  // the sum for kSum and kAvg (the division comes after), the maximum for kMax
};

class MpiReduceOps {
 public:
  MpiReduceOps();
  ~MpiReduceOps();
  MpiReduceOps(const MpiReduceOps&) = delete;
  MpiReduceOps& operator=(const MpiReduceOps&) = delete;

  // float32, float64, int32, int64, uint8, bfloat16, float16; anything else is a CommsError
  // naming `what` and the dtype.
  MpiTypedOp forDtype(c10::ScalarType dtype, ReduceOp reduce, const char* what) const;

 private:
  void createOps();
  void freeOps();

  MPI_Op bfloat16_sum_ = MPI_OP_NULL;
  MPI_Op float16_sum_ = MPI_OP_NULL;
  MPI_Op bfloat16_max_ = MPI_OP_NULL;
  MPI_Op float16_max_ = MPI_OP_NULL;
};

}  // namespace cog::comms
