#include "comms/single_process_collective.hpp"

#include <string>

#include "common/error.hpp"

namespace cog::comms {
namespace {

class CompletedWork final : public Work {
 public:
  void wait() override {}
};

}  // namespace

std::unique_ptr<Work> SingleProcessCollective::allreduceAsync(torch::Tensor tensor, ReduceOp op) {
  checkCollectiveTensor(tensor, "allreduce", op);
  return std::make_unique<CompletedWork>();
}

void SingleProcessCollective::broadcast(torch::Tensor tensor, int root) {
  checkCollectiveTensor(tensor, "broadcast", ReduceOp::kSum);
  if (root != 0)
    throw CommsError("broadcast from root " + std::to_string(root) +
                     ": a single-process world has only rank 0");
}

}  // namespace cog::comms
