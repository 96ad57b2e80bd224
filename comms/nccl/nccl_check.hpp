#pragma once
// The checkers for the CUDA runtime and NCCL (STYLE.md rule 5): each turns a failed return
// code into a CommsError carrying the library's own message.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <string>

namespace cog::comms {

// "<what> failed: <cudaGetErrorString> (<cudaGetErrorName>)" unless rc == cudaSuccess.
void cudaCheck(cudaError_t rc, const std::string& what);

// "<what> failed: <ncclGetErrorString>: <ncclGetLastError>" unless rc is ncclSuccess, or
// ncclInProgress (the normal answer of a non-blocking communicator; see NcclCollective).
void ncclCheck(ncclResult_t rc, const std::string& what, ncclComm_t comm = nullptr);

// The text ncclCheck would use for `rc`, for errors found by polling.
std::string ncclErrorText(ncclResult_t rc, ncclComm_t comm);

}  // namespace cog::comms
