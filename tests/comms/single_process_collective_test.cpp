// A world of one: the reductions are identities and the argument rules match the real
// backends', so a mistake shows on a laptop before it reaches a cluster.
#include "comms/single_process_collective.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.hpp"

namespace cog::comms {
namespace {

TEST(CommsSingleProcess, AllreduceSumAvgAndMaxAreIdentities) {
  SingleProcessCollective collective;
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kBFloat16}) {
    const auto original = torch::randn({7, 3}).to(dtype);
    auto tensor = original.clone();
    collective.allreduce(tensor, ReduceOp::kSum);
    EXPECT_TRUE(tensor.equal(original));
    collective.allreduceAsync(tensor, ReduceOp::kAvg)->wait();
    EXPECT_TRUE(tensor.equal(original));
    collective.allreduce(tensor, ReduceOp::kMax);
    EXPECT_TRUE(tensor.equal(original));
  }
  auto integers = torch::arange(10, torch::kLong);
  collective.allreduce(integers, ReduceOp::kSum);
  EXPECT_TRUE(integers.equal(torch::arange(10, torch::kLong)));
}

TEST(CommsSingleProcess, BroadcastAndBarrierAreNoOps) {
  SingleProcessCollective collective;
  auto tensor = torch::arange(4, torch::kInt);
  collective.broadcast(tensor, 0);
  EXPECT_TRUE(tensor.equal(torch::arange(4, torch::kInt)));
  collective.barrier();
  EXPECT_EQ(collective.rank(), 0);
  EXPECT_EQ(collective.size(), 1);
}

TEST(CommsSingleProcess, BroadcastFromAMissingRootIsAnError) {
  SingleProcessCollective collective;
  EXPECT_THROW(collective.broadcast(torch::zeros({2}), 1), CommsError);
}

// Same rules as MPI and NCCL, so a config that runs alone does not fail only on N ranks.
TEST(CommsSingleProcess, IntegerAverageIsRejected) {
  SingleProcessCollective collective;
  try {
    collective.allreduce(torch::arange(3, torch::kLong), ReduceOp::kAvg);
    FAIL() << "expected CommsError";
  } catch (const CommsError& error) {
    EXPECT_NE(std::string(error.what()).find("average of dtype Long"), std::string::npos)
        << error.what();
  }
}

TEST(CommsSingleProcess, NonContiguousTensorIsRejected) {
  SingleProcessCollective collective;
  auto transposed = torch::zeros({3, 4}).t();
  EXPECT_THROW(collective.allreduce(transposed, ReduceOp::kSum), CommsError);
  EXPECT_THROW(collective.allreduce(torch::Tensor(), ReduceOp::kSum), CommsError);
}

}  // namespace
}  // namespace cog::comms
