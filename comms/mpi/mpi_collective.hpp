#pragma once
// Collective over MPI for CPU tensors: non-blocking MPI operations (MPI_Iallreduce,
// MPI_Ibcast, MPI_Ibarrier) on a private duplicate of MPI_COMM_WORLD, each waited for by
// polling MPI_Test under the options' timeout and abort flag.
//
// Threading: one thread at a time may use the collective and its works (MPI is initialised
// with at least MPI_THREAD_SERIALIZED, so that thread need not be main). A Work must not
// outlive its collective.
#include <mpi.h>

#include <memory>

#include "comms/collective.hpp"
#include "comms/mpi/mpi_reduce_ops.hpp"
#include "comms/mpi/mpi_runtime.hpp"
#include "comms/mpi/mpi_work.hpp"

namespace cog::comms {

class MpiCollective final : public Collective {
 public:
  // Initialises MPI unless already running, then checks that MPI's world agrees with `rank`
  // (the launcher's environment): a mismatch is a CommsError, e.g. a worker started with
  // SLURM_* variables but without srun --mpi=pmix.
  MpiCollective(const CollectiveOptions& options, const RankInfo& rank);
  ~MpiCollective() override;
  MpiCollective(const MpiCollective&) = delete;
  MpiCollective& operator=(const MpiCollective&) = delete;

  int rank() const override { return state_->rank; }
  int size() const override { return state_->size; }
  std::string backendName() const override { return "mpi"; }

  std::unique_ptr<Work> allreduceAsync(torch::Tensor tensor, ReduceOp op) override;
  void broadcast(torch::Tensor tensor, int root) override;
  void barrier() override;

  int threadLevel() const { return runtime_.threadLevel(); }

  // Marks the collective failed from outside (the NCCL backend it bootstraps, after NCCL
  // failed): later operations refuse to start, and MPI is not finalized at exit, since a
  // peer may be dead.
  void markFailed(const std::string& reason);

 private:
  MpiRuntime runtime_;  // first member: MPI starts before, and stops after, everything below
  MpiReduceOps reduce_ops_;
  std::shared_ptr<MpiCommState> state_;
};

}  // namespace cog::comms
