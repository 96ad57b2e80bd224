#pragma once
// Collective over NCCL for CUDA tensors, bootstrapped over MPI.
//
// Protocol: rank 0 creates the NCCL unique id and broadcasts it over MPI; every rank then
// joins a non-blocking NCCL communicator (so that setup, too, is polled under the timeout).
//
// Streams: LibTorch (without a stream guard) queues kernels, the gradients' included, on
// the legacy default stream. Each operation records an event there, makes a private
// non-blocking side stream wait for it, and runs NCCL on the side stream, so the backward
// kernels queued after it keep running during the reduction. Work::wait() returns only once
// the reduction has finished on the device, so the result needs no further stream ordering.
//
// CPU tensors are handed to the bootstrap MpiCollective (small control-plane broadcasts work
// on either backend); barrier() is the MPI barrier and does not wait for GPU work.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <functional>
#include <memory>

#include "comms/collective.hpp"
#include "comms/mpi/mpi_collective.hpp"
#include "comms/nccl/nccl_work.hpp"

namespace cog::comms {

class NcclCollective final : public Collective {
 public:
  // `device` is the CUDA device this rank drives (usually its local rank).
  NcclCollective(const CollectiveOptions& options, const RankInfo& rank, int device);
  ~NcclCollective() override;
  NcclCollective(const NcclCollective&) = delete;
  NcclCollective& operator=(const NcclCollective&) = delete;

  int rank() const override { return state_->rank; }
  int size() const override { return state_->size; }
  std::string backendName() const override { return "nccl"; }

  std::unique_ptr<Work> allreduceAsync(torch::Tensor tensor, ReduceOp op) override;
  void broadcast(torch::Tensor tensor, int root) override;
  void barrier() override { bootstrap_.barrier(); }

 private:
  // Orders `enqueue` after the legacy stream's work, runs it on stream_, returns its work.
  std::unique_ptr<Work> launch(torch::Tensor tensor, const std::string& what,
                               const std::function<ncclResult_t()>& enqueue);
  void checkDevice(const torch::Tensor& tensor, const char* what) const;
  void releaseCuda() noexcept;

  // Checked and selected first, so a node without the GPU fails before MPI starts.
  int device_;
  MpiCollective bootstrap_;  // before state_: MPI outlives the NCCL communicator
  std::shared_ptr<NcclCommState> state_;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t ready_ = nullptr;  // re-recorded per operation on the legacy default stream
};

}  // namespace cog::comms
