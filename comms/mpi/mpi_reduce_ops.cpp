#include "comms/mpi/mpi_reduce_ops.hpp"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <string>

#include "common/error.hpp"
#include "comms/mpi/mpi_check.hpp"

namespace cog::comms {
namespace {

// MPI_User_function: inout[i] = in[i] + inout[i], computed in float.
template <typename Half16>
void sumHalf16(void* in, void* inout, int* length, MPI_Datatype*) {
  const auto* a = static_cast<const Half16*>(in);
  auto* b = static_cast<Half16*>(inout);
  for (int i = 0; i < *length; ++i)
    b[i] = Half16(static_cast<float>(a[i]) + static_cast<float>(b[i]));
}

}  // namespace

MpiReduceOps::MpiReduceOps() {
  mpiCheck(MPI_Op_create(&sumHalf16<c10::BFloat16>, /*commute=*/1, &bfloat16_sum_),
           "MPI_Op_create (bfloat16 sum)");
  const int rc = MPI_Op_create(&sumHalf16<c10::Half>, /*commute=*/1, &float16_sum_);
  if (rc != MPI_SUCCESS) MPI_Op_free(&bfloat16_sum_);  // the destructor will not run
  mpiCheck(rc, "MPI_Op_create (float16 sum)");
}

MpiReduceOps::~MpiReduceOps() {
  MPI_Op_free(&float16_sum_);
  MPI_Op_free(&bfloat16_sum_);
}

MpiTypedOp MpiReduceOps::forDtype(c10::ScalarType dtype, const char* what) const {
  switch (dtype) {
    case c10::ScalarType::Float:
      return {MPI_FLOAT, MPI_SUM};
    case c10::ScalarType::Double:
      return {MPI_DOUBLE, MPI_SUM};
    case c10::ScalarType::Int:
      return {MPI_INT32_T, MPI_SUM};
    case c10::ScalarType::Long:
      return {MPI_INT64_T, MPI_SUM};
    case c10::ScalarType::Byte:
      return {MPI_UINT8_T, MPI_SUM};
    case c10::ScalarType::BFloat16:
      return {MPI_UINT16_T, bfloat16_sum_};
    case c10::ScalarType::Half:
      return {MPI_UINT16_T, float16_sum_};
    default:
      throw CommsError(std::string(what) + " of dtype " + c10::toString(dtype) +
                       ": the mpi backend handles float32, float64, bfloat16, float16, int32, "
                       "int64 and uint8");
  }
}

}  // namespace cog::comms
