// NCCL backend on real GPUs (label gpu; registered only with -DCOG_GPU_TESTS=ON). It asks
// for comms.backend = nccl explicitly, so a machine without a GPU, without a CUDA build of
// LibTorch, or without NCCL fails here instead of skipping: a skipped GPU test would let a
// broken backend ship. One rank per GPU: mpirun -np <GPUs on the node>.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <vector>

#include "comms/collective.hpp"
#include "tests/comms/collective_test_util.hpp"

namespace cog::comms {
namespace {

using test::expectedAvg;
using test::expectedSum;
using test::rankInput;
using test::wrongElements;

std::unique_ptr<Collective> makeNcclWorld(torch::Device* device) {
  const RankInfo world = test::worldRankInfo();
  *device = torch::Device(torch::kCUDA, world.local_rank);
  CollectiveOptions options;
  options.backend = "nccl";
  auto collective = makeCollective(options, world, *device);
  EXPECT_EQ(collective->backendName(), "nccl");
  return collective;
}

TEST(CommsNcclCollective, AllreduceSumMaxAndAvgOnCudaTensors) {
  torch::Device device(torch::kCPU);
  auto world = makeNcclWorld(&device);
  for (auto dtype :
       {torch::kFloat, torch::kDouble, torch::kBFloat16, torch::kHalf, torch::kInt, torch::kLong}) {
    for (int64_t numel : {1, 3, 1023, 1000003}) {
      auto tensor = rankInput(numel, world->rank(), dtype).to(device);
      world->allreduce(tensor, ReduceOp::kSum);
      EXPECT_EQ(wrongElements(tensor, expectedSum(numel, world->size(), dtype)), 0)
          << "sum of " << numel << " x " << dtype;
      tensor = rankInput(numel, world->rank(), dtype).to(device);
      world->allreduce(tensor, ReduceOp::kMax);
      EXPECT_EQ(wrongElements(tensor, test::expectedMax(numel, world->size(), dtype)), 0)
          << "max of " << numel << " x " << dtype;
      if (!c10::isFloatingType(dtype)) continue;
      tensor = rankInput(numel, world->rank(), dtype).to(device);
      world->allreduce(tensor, ReduceOp::kAvg);
      // ncclAvg divides on the device; compare within the dtype's rounding of sum/size.
      EXPECT_TRUE(torch::allclose(tensor.cpu().to(torch::kDouble),
                                  expectedAvg(numel, world->size(), torch::kDouble), 1e-2, 1e-2))
          << "avg of " << numel << " x " << dtype;
    }
  }
}

TEST(CommsNcclCollective, ManyAllreducesInFlightAndBroadcast) {
  torch::Device device(torch::kCPU);
  auto world = makeNcclWorld(&device);
  std::vector<torch::Tensor> tensors;
  std::vector<std::unique_ptr<Work>> works;
  for (int i = 0; i < 64; ++i) {
    tensors.push_back(rankInput(1 + 97 * i, world->rank(), torch::kFloat).to(device));
    works.push_back(world->allreduceAsync(tensors.back(), ReduceOp::kSum));
  }
  for (auto& work : works) work->wait();
  for (int i = 0; i < 64; ++i)
    EXPECT_EQ(wrongElements(tensors[i], expectedSum(1 + 97 * i, world->size(), torch::kFloat)), 0);

  const int root = world->size() - 1;
  auto tensor = rankInput(4099, world->rank(), torch::kBFloat16).to(device);
  world->broadcast(tensor, root);
  EXPECT_EQ(wrongElements(tensor, rankInput(4099, root, torch::kBFloat16)), 0);
  // CPU tensors go over the bootstrap MPI communicator.
  auto control = rankInput(5, world->rank(), torch::kLong);
  world->broadcast(control, 0);
  EXPECT_EQ(wrongElements(control, rankInput(5, 0, torch::kLong)), 0);
  world->barrier();
}

}  // namespace
}  // namespace cog::comms
