#include "comms/mpi/mpi_reduce_ops.hpp"

#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>

#include <algorithm>
#include <string>

#include "common/error.hpp"
#include "comms/mpi/mpi_check.hpp"

namespace cog::comms {
namespace {

// MPI_User_function: inout[i] = combine(in[i], inout[i]), computed in float.
template <typename Half16, float (*Combine)(float, float)>
void combineHalf16(void* in, void* inout, int* length, MPI_Datatype*) {
  const auto* a = static_cast<const Half16*>(in);
  auto* b = static_cast<Half16*>(inout);
  for (int i = 0; i < *length; ++i)
    b[i] = Half16(Combine(static_cast<float>(a[i]), static_cast<float>(b[i])));
}

float add(float a, float b) { return a + b; }
float larger(float a, float b) { return std::max(a, b); }

}  // namespace

MpiReduceOps::MpiReduceOps() {
  try {
    createOps();
  } catch (...) {
    freeOps();  // the destructor will not run
    throw;
  }
}

MpiReduceOps::~MpiReduceOps() { freeOps(); }

void MpiReduceOps::createOps() {
  mpiCheck(MPI_Op_create(&combineHalf16<c10::BFloat16, add>, /*commute=*/1, &bfloat16_sum_),
           "MPI_Op_create (bfloat16 sum)");
  mpiCheck(MPI_Op_create(&combineHalf16<c10::Half, add>, /*commute=*/1, &float16_sum_),
           "MPI_Op_create (float16 sum)");
  mpiCheck(MPI_Op_create(&combineHalf16<c10::BFloat16, larger>, /*commute=*/1, &bfloat16_max_),
           "MPI_Op_create (bfloat16 max)");
  mpiCheck(MPI_Op_create(&combineHalf16<c10::Half, larger>, /*commute=*/1, &float16_max_),
           "MPI_Op_create (float16 max)");
}

void MpiReduceOps::freeOps() {
  for (MPI_Op* op : {&float16_max_, &bfloat16_max_, &float16_sum_, &bfloat16_sum_}) {
    if (*op != MPI_OP_NULL) MPI_Op_free(op);
  }
}

MpiTypedOp MpiReduceOps::forDtype(c10::ScalarType dtype, ReduceOp reduce, const char* what) const {
  const bool max = reduce == ReduceOp::kMax;
  const MPI_Op builtin = max ? MPI_MAX : MPI_SUM;
  switch (dtype) {
    case c10::ScalarType::Float:
      return {MPI_FLOAT, builtin};
    case c10::ScalarType::Double:
      return {MPI_DOUBLE, builtin};
    case c10::ScalarType::Int:
      return {MPI_INT32_T, builtin};
    case c10::ScalarType::Long:
      return {MPI_INT64_T, builtin};
    case c10::ScalarType::Byte:
      return {MPI_UINT8_T, builtin};
    case c10::ScalarType::BFloat16:
      return {MPI_UINT16_T, max ? bfloat16_max_ : bfloat16_sum_};
    case c10::ScalarType::Half:
      return {MPI_UINT16_T, max ? float16_max_ : float16_sum_};
    default:
      throw CommsError(std::string(what) + " of dtype " + c10::toString(dtype) +
                       ": the mpi backend handles float32, float64, bfloat16, float16, int32, "
                       "int64 and uint8");
  }
}

}  // namespace cog::comms
