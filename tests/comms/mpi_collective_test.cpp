// MpiCollective across real processes (mpirun -np 2 or more): results are checked element by
// element against exact expectations, nccl-tests style.
#include "comms/mpi/mpi_collective.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "comms/collective.hpp"
#include "tests/comms/collective_test_util.hpp"

namespace cog::comms {
namespace {

using test::expectedAvg;
using test::expectedMax;
using test::expectedSum;
using test::rankInput;
using test::worldRankInfo;
using test::wrongElements;

std::unique_ptr<Collective> makeWorld() {
  auto collective = makeCollective(CollectiveOptions{}, worldRankInfo(), torch::kCPU);
  EXPECT_EQ(collective->backendName(), "mpi");
  return collective;
}

const int64_t kOddSizes[] = {1, 3, 1023, 1000003};

TEST(CommsMpiCollective, AllreduceSumOddSizesAllDtypes) {
  auto world = makeWorld();
  for (auto dtype :
       {torch::kFloat, torch::kDouble, torch::kInt, torch::kLong, torch::kBFloat16, torch::kHalf}) {
    for (int64_t numel : kOddSizes) {
      auto tensor = rankInput(numel, world->rank(), dtype);
      world->allreduce(tensor, ReduceOp::kSum);
      EXPECT_EQ(wrongElements(tensor, expectedSum(numel, world->size(), dtype)), 0)
          << "sum of " << numel << " x " << dtype << " on rank " << world->rank();
    }
  }
}

TEST(CommsMpiCollective, AllreduceAvgOddSizesFloatDtypes) {
  auto world = makeWorld();
  for (auto dtype : {torch::kFloat, torch::kDouble, torch::kBFloat16}) {
    for (int64_t numel : kOddSizes) {
      auto tensor = rankInput(numel, world->rank(), dtype);
      world->allreduce(tensor, ReduceOp::kAvg);
      EXPECT_EQ(wrongElements(tensor, expectedAvg(numel, world->size(), dtype)), 0)
          << "avg of " << numel << " x " << dtype << " on rank " << world->rank();
    }
  }
}

// QK-clip's agreement on per-head logit maxima; 16-bit floats go through Cog's own MPI op.
TEST(CommsMpiCollective, AllreduceMaxOddSizesAllDtypes) {
  auto world = makeWorld();
  for (auto dtype :
       {torch::kFloat, torch::kDouble, torch::kInt, torch::kLong, torch::kBFloat16, torch::kHalf}) {
    for (int64_t numel : kOddSizes) {
      auto tensor = rankInput(numel, world->rank(), dtype);
      world->allreduce(tensor, ReduceOp::kMax);
      EXPECT_EQ(wrongElements(tensor, expectedMax(numel, world->size(), dtype)), 0)
          << "max of " << numel << " x " << dtype << " on rank " << world->rank();
    }
  }
}

// Gradient buckets: many operations in flight at once, completed in a different order than
// they were started.
TEST(CommsMpiCollective, ManySmallAllreducesInFlight) {
  auto world = makeWorld();
  constexpr int kWorks = 200;
  std::vector<torch::Tensor> tensors;
  std::vector<std::unique_ptr<Work>> works;
  for (int i = 0; i < kWorks; ++i) {
    tensors.push_back(rankInput(1 + i % 37, world->rank() + i, torch::kFloat));
    works.push_back(world->allreduceAsync(tensors.back(), ReduceOp::kSum));
  }
  for (int i = kWorks - 1; i >= 0; --i) works[i]->wait();
  for (int i = 0; i < kWorks; ++i) {
    auto expected = torch::zeros({1 + i % 37}, torch::kLong);
    for (int r = 0; r < world->size(); ++r) expected += rankInput(1 + i % 37, r + i, torch::kLong);
    EXPECT_EQ(wrongElements(tensors[i], expected.to(torch::kFloat)), 0) << "work " << i;
  }
  works.front()->wait();  // wait() is idempotent
}

TEST(CommsMpiCollective, OneHugeAllreduce) {
  auto world = makeWorld();
  const int64_t numel = 64LL * 1024 * 1024 / sizeof(float);  // 64 MiB
  auto tensor = rankInput(numel, world->rank(), torch::kFloat);
  world->allreduce(tensor, ReduceOp::kSum);
  EXPECT_EQ(wrongElements(tensor, expectedSum(numel, world->size(), torch::kFloat)), 0);
}

TEST(CommsMpiCollective, BroadcastFromRankOne) {
  auto world = makeWorld();
  for (auto dtype : {torch::kFloat, torch::kLong, torch::kBFloat16}) {
    auto tensor = rankInput(1001, world->rank(), dtype);
    world->broadcast(tensor, 1);
    EXPECT_EQ(wrongElements(tensor, rankInput(1001, 1, dtype)), 0) << dtype;
  }
  EXPECT_THROW(world->broadcast(torch::zeros({1}), world->size()), CommsError);
}

// Rank 1 arrives late; nobody may leave the barrier before it arrives.
TEST(CommsMpiCollective, BarrierWaitsForTheLastRank) {
  auto world = makeWorld();
  world->barrier();
  const auto start = std::chrono::steady_clock::now();
  if (world->rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  world->barrier();
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, std::chrono::milliseconds(250)) << "rank " << world->rank();
}

TEST(CommsMpiCollective, IntegerAverageIsRejectedBeforeAnythingIsSent) {
  auto world = makeWorld();
  EXPECT_THROW(world->allreduce(torch::ones({3}, torch::kLong), ReduceOp::kAvg), CommsError);
  EXPECT_THROW(world->allreduce(torch::ones({3}, torch::kBool), ReduceOp::kSum), CommsError);
  auto tensor = torch::ones({3});  // the collective is still in step and usable
  world->allreduce(tensor, ReduceOp::kSum);
  EXPECT_EQ(tensor[0].item<float>(), static_cast<float>(world->size()));
}

TEST(CommsMpiCollective, EnvironmentThatDisagreesWithMpiIsACommsError) {
  RankInfo wrong = worldRankInfo();
  wrong.size += 1;
  try {
    MpiCollective collective(CollectiveOptions{}, wrong);
    FAIL() << "expected CommsError";
  } catch (const CommsError& error) {
    EXPECT_NE(std::string(error.what()).find("but MPI says rank"), std::string::npos)
        << error.what();
  }
}

TEST(CommsMpiCollective, ProvidesAtLeastSerializedThreading) {
  MpiCollective collective(CollectiveOptions{}, worldRankInfo());
  EXPECT_GE(collective.threadLevel(), MPI_THREAD_SERIALIZED);
}

}  // namespace
}  // namespace cog::comms
