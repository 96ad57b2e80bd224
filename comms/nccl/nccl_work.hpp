#pragma once
// An in-flight NCCL collective, and the communicator state it shares with NcclCollective.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "comms/collective.hpp"
#include "comms/mpi/polling_wait.hpp"

namespace cog::comms {

// Owned by the NcclCollective and its works; used by one thread at a time.
struct NcclCommState {
  ncclComm_t comm = nullptr;
  int device = 0;
  int rank = 0;
  int size = 1;
  CollectiveOptions options;
  std::optional<std::string> failure;  // first failure; the communicator is then aborted
  // Operations whose Work was dropped before completing: NCCL may still write the tensor.
  struct Abandoned {
    cudaEvent_t done;
    torch::Tensor tensor;
  };
  std::vector<Abandoned> abandoned;

  PollingWait waitFor(const std::string& what) const;
  // Throws CommsError if NCCL reports an asynchronous error (a peer or link failed).
  // Returns false while the communicator still has host-side work in progress.
  bool settled(const std::string& what) const;
  // Waits, under the timeout, until settled(): a non-blocking communicator returns from
  // init, enqueue and finalize before the work is done.
  void settle(const std::string& what);
  // Records the failure, aborts the communicator (ending kernels that wait on a dead peer)
  // and throws CommsError(message).
  [[noreturn]] void fail(const std::string& message);
  // Throws "<what>: this <backend> collective is unusable after an earlier failure: ...".
  void throwIfFailed(const std::string& what) const;
  void forgetCompleted();
};

class NcclWork final : public Work {
 public:
  // `done` is recorded on the collective's stream after the operation; the work owns it.
  NcclWork(std::shared_ptr<NcclCommState> state, cudaEvent_t done, torch::Tensor tensor,
           std::string what);
  ~NcclWork() override;
  NcclWork(const NcclWork&) = delete;
  NcclWork& operator=(const NcclWork&) = delete;

  // Polls the event and the communicator's async error; on error or timeout aborts the
  // communicator and throws CommsError. When it returns the result is in device memory, so
  // later kernels on any stream may read it.
  void wait() override;

 private:
  std::shared_ptr<NcclCommState> state_;
  cudaEvent_t done_event_;
  torch::Tensor tensor_;
  std::string what_;
  bool done_ = false;
  std::optional<std::string> failure_;
};

}  // namespace cog::comms
