#include "comms/nccl/nccl_work.hpp"

#include "common/error.hpp"
#include "comms/nccl/nccl_check.hpp"

namespace cog::comms {

PollingWait NcclCommState::waitFor(const std::string& what) const {
  return PollingWait{what, rank, size, options.timeout, options.abort_requested, options.abort_grace};
}

bool NcclCommState::settled(const std::string& what) const {
  ncclResult_t async = ncclSuccess;
  ncclCheck(ncclCommGetAsyncError(comm, &async), "ncclCommGetAsyncError (" + what + ")", comm);
  if (async == ncclInProgress) return false;
  if (async != ncclSuccess)
    throw CommsError(what + " on rank " + std::to_string(rank) + "/" + std::to_string(size) +
                     " failed: " + ncclErrorText(async, comm));
  return true;
}

void NcclCommState::settle(const std::string& what) {
  std::optional<std::string> failed;
  try {
    failed = waitFor(what).run([&] { return settled(what); });
  } catch (const CommsError& error) {
    failed = error.what();
  }
  if (failed) fail(*failed);
}

void NcclCommState::fail(const std::string& message) {
  if (!failure) {
    failure = message;
    // Abort, not destroy: destroy would wait for kernels that wait for a dead peer.
    if (comm != nullptr) ncclCommAbort(comm);
  }
  throw CommsError(message);
}

void NcclCommState::throwIfFailed(const std::string& what) const {
  if (failure)
    throw CommsError(what +
                     ": this nccl collective is unusable after an earlier failure: " + *failure);
}

void NcclCommState::forgetCompleted() {
  for (size_t i = 0; i < abandoned.size();) {
    const cudaError_t rc = cudaEventQuery(abandoned[i].done);
    if (rc == cudaErrorNotReady) {
      ++i;
      continue;
    }
    cudaCheck(rc, "cudaEventQuery (abandoned operation)");
    cudaEventDestroy(abandoned[i].done);
    abandoned[i] = std::move(abandoned.back());
    abandoned.pop_back();
  }
}

NcclWork::NcclWork(std::shared_ptr<NcclCommState> state, cudaEvent_t done, torch::Tensor tensor,
                   std::string what)
    : state_(std::move(state)),
      done_event_(done),
      tensor_(std::move(tensor)),
      what_(std::move(what)) {}

NcclWork::~NcclWork() {
  if (done_)
    cudaEventDestroy(done_event_);
  else
    state_->abandoned.push_back({done_event_, std::move(tensor_)});
}

void NcclWork::wait() {
  if (done_) return;
  if (failure_) throw CommsError(*failure_);
  // Another work's failure ended the collective: this one would only wait out its timeout.
  state_->throwIfFailed(what_ + " abandoned");
  try {
    cudaCheck(cudaSetDevice(state_->device),
              "cudaSetDevice(" + std::to_string(state_->device) + ") before waiting for " + what_);
    failure_ = state_->waitFor(what_).run([this] {
      const cudaError_t rc = cudaEventQuery(done_event_);
      if (rc == cudaSuccess) return true;
      if (rc != cudaErrorNotReady) cudaCheck(rc, "cudaEventQuery (" + what_ + ")");
      state_->settled(what_);  // throws on an asynchronous NCCL error
      return false;
    });
  } catch (const CommsError& error) {
    failure_ = error.what();
  }
  if (failure_) state_->fail(*failure_);
  done_ = true;
}

}  // namespace cog::comms
