#include "comms/nccl/nccl_check.hpp"

#include "common/error.hpp"

namespace cog::comms {

void cudaCheck(cudaError_t rc, const std::string& what) {
  if (rc == cudaSuccess) return;
  throw CommsError(what + " failed: " + cudaGetErrorString(rc) + " (" + cudaGetErrorName(rc) + ")");
}

std::string ncclErrorText(ncclResult_t rc, ncclComm_t comm) {
  std::string text = ncclGetErrorString(rc);
  const char* last = ncclGetLastError(comm);
  if (last != nullptr && *last != '\0') text += std::string(": ") + last;
  return text;
}

void ncclCheck(ncclResult_t rc, const std::string& what, ncclComm_t comm) {
  if (rc == ncclSuccess || rc == ncclInProgress) return;
  throw CommsError(what + " failed: " + ncclErrorText(rc, comm));
}

}  // namespace cog::comms
