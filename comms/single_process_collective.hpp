#pragma once
// A world of one: a plain process (no mpirun, no srun) trains with the same code path as a
// job. The sum and the average over one rank are the tensor itself; broadcast and barrier
// have no one to wait for. Applies the same argument checks as the real backends, so a
// mistake is found on a laptop rather than on the cluster.
#include "comms/collective.hpp"

namespace cog::comms {

class SingleProcessCollective final : public Collective {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string backendName() const override { return "single"; }

  std::unique_ptr<Work> allreduceAsync(torch::Tensor tensor, ReduceOp op) override;
  void broadcast(torch::Tensor tensor, int root) override;
  void barrier() override {}
};

}  // namespace cog::comms
