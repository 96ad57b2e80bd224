#include <gtest/gtest.h>
#include <torch/torch.h>

#include <thread>

#include "comms/bucketer.hpp"
#include "thread_group_collective.hpp"

namespace cog::comms {
namespace {

std::vector<torch::Tensor> makeParams(const std::vector<std::pair<int64_t, torch::ScalarType>>& specs) {
  std::vector<torch::Tensor> params;
  for (const auto& [numel, dtype] : specs) {
    params.push_back(torch::zeros({numel}, torch::TensorOptions().dtype(dtype)).requires_grad_(true));
  }
  return params;
}

// Rank- and parameter-dependent gradients: d/dp sum(p * coef) = coef.
torch::Tensor coefficient(int rank, size_t index, const torch::Tensor& p) {
  return torch::arange(p.numel(), torch::TensorOptions().dtype(p.scalar_type())) * 0.001 * static_cast<double>(index + 1) +
         (rank + 1) * 1.5 + static_cast<double>(index);
}

TEST(PlanBuckets, ReverseOrderOneDtypePerBucketSmallFirstBucket) {
  // 4-byte floats: budgets of 400 bytes (first) and 1000 bytes (others).
  auto params = makeParams({{50, torch::kFloat32}, {50, torch::kFloat32}, {80, torch::kFloat64},
                            {100, torch::kFloat32}, {1000, torch::kFloat32}, {60, torch::kFloat32}});
  auto buckets = planBuckets(params, {1000, 400});
  // Reverse order: param 5 (240 B) opens bucket 0; param 4 (4000 B) exceeds it -> own bucket;
  // param 3 (400 B) fits after param 4? no: bucket 1 already holds 4000 B -> new bucket 2;
  // param 2 is float64 -> its own bucket 3; params 1 and 0 join bucket 2 (400+200+200 = 800 B).
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_EQ(buckets[0].params, (std::vector<size_t>{5}));
  EXPECT_EQ(buckets[1].params, (std::vector<size_t>{4}));
  EXPECT_EQ(buckets[2].params, (std::vector<size_t>{3, 1, 0}));
  EXPECT_EQ(buckets[2].offsets, (std::vector<int64_t>{0, 100, 150}));
  EXPECT_EQ(buckets[3].params, (std::vector<size_t>{2}));
  EXPECT_EQ(buckets[3].dtype, torch::kFloat64);
  size_t total = 0;
  for (const auto& b : buckets) total += b.params.size();
  EXPECT_EQ(total, params.size()) << "every parameter in exactly one bucket";
}

// Two ranks as threads; bucketed averages must equal per-tensor averages for odd sizes,
// many small tensors, one huge tensor and mixed dtypes — with one collective per bucket.
TEST(GradientBucketer, BucketedAverageEqualsPerTensorAverage) {
  std::vector<std::pair<int64_t, torch::ScalarType>> specs = {{1, torch::kFloat32}, {3, torch::kFloat32},
                                                              {1023, torch::kFloat64}, {4'000'003, torch::kFloat32}};
  for (int i = 0; i < 150; ++i) specs.push_back({7 + i % 5, torch::kFloat32});
  testing::ThreadGroup group(2);
  std::vector<std::vector<torch::Tensor>> bucketed(2), naive(2);
  std::vector<int64_t> launched(2), buckets(2), launched_before_finish(2);
  auto run_rank = [&](int rank) {
    testing::ThreadRankCollective collective(group, rank);
    auto params = makeParams(specs);
    GradientBucketer bucketer(params, collective, {64 * 1024, 4 * 1024});
    bucketer.beginBackward();
    torch::Tensor loss = torch::zeros({}, torch::kFloat64);
    for (size_t i = 0; i < params.size(); ++i) loss = loss + (params[i] * coefficient(rank, i, params[i])).sum().to(torch::kFloat64);
    loss.backward();
    launched_before_finish[rank] = collective.launches;
    bucketer.finishBackward();
    launched[rank] = bucketer.collectivesLaunched();
    buckets[rank] = static_cast<int64_t>(bucketer.layout().size());
    for (auto& p : params) bucketed[rank].push_back(p.grad().clone());
  };
  std::thread r0(run_rank, 0), r1(run_rank, 1);
  r0.join();
  r1.join();
  ASSERT_FALSE(group.mismatched()) << "ranks issued collectives in different orders";

  const size_t n = specs.size();
  for (size_t i = 0; i < n; ++i) {
    auto p = makeParams({specs[i]})[0];
    auto expected = (coefficient(0, i, p) + coefficient(1, i, p)) / 2;
    for (int rank = 0; rank < 2; ++rank) {
      EXPECT_TRUE(torch::allclose(bucketed[rank][i], expected, 1e-6, 1e-6)) << "param " << i << " rank " << rank;
    }
    EXPECT_TRUE(torch::equal(bucketed[0][i], bucketed[1][i])) << "ranks disagree on param " << i;
  }
  EXPECT_EQ(launched[0], buckets[0]);
  EXPECT_LT(buckets[0], static_cast<int64_t>(n) / 10) << "buckets fuse many parameters";
  // Overlap: buckets completed during backward were launched from the hooks, before
  // finishBackward was called.
  EXPECT_GT(launched_before_finish[0], 0);
}

// A parameter used on rank 0 but not on rank 1 (an unused branch, an empty batch slice):
// rank 1's later buckets complete first. Launching in bucket order keeps the ranks' collectives
// paired; launching whichever bucket fills first paired different buckets across ranks.
TEST(GradientBucketer, AParameterUnusedOnOneRankKeepsTheRanksBucketsPaired) {
  // One parameter per bucket; sizes differ so a mispairing is seen as a size mismatch.
  const std::vector<std::pair<int64_t, torch::ScalarType>> specs = {
      {5, torch::kFloat32}, {7, torch::kFloat32}, {9, torch::kFloat32}};
  testing::ThreadGroup group(2);
  std::vector<std::vector<torch::Tensor>> grads(2);
  std::vector<std::vector<int64_t>> bucket_of_param(2);
  auto run_rank = [&](int rank) {
    testing::ThreadRankCollective collective(group, rank);
    auto params = makeParams(specs);
    GradientBucketer bucketer(params, collective, {16, 16});
    ASSERT_EQ(bucketer.layout().size(), 3u);
    ASSERT_EQ(bucketer.layout()[0].params.front(), 2u) << "the last parameter fills the first bucket";
    bucketer.beginBackward();
    auto loss = (params[0] * coefficient(rank, 0, params[0])).sum() + (params[1] * coefficient(rank, 1, params[1])).sum();
    if (rank == 0) loss = loss + (params[2] * coefficient(rank, 2, params[2])).sum();
    loss.backward();
    bucketer.finishBackward();
    EXPECT_EQ(bucketer.collectivesLaunched(), 3);
    for (auto& p : params) grads[rank].push_back(p.grad().clone());
  };
  std::thread r0(run_rank, 0), r1(run_rank, 1);
  r0.join();
  r1.join();
  ASSERT_FALSE(group.mismatched()) << "ranks started their bucket allreduces in different orders";
  for (size_t i = 0; i < specs.size(); ++i) {
    auto p = makeParams({specs[i]})[0];
    auto rank1 = i == 2 ? torch::zeros_like(p) : coefficient(1, i, p);
    auto expected = (coefficient(0, i, p) + rank1) / 2;
    for (int rank = 0; rank < 2; ++rank) {
      EXPECT_TRUE(torch::allclose(grads[rank][i], expected, 1e-6, 1e-6)) << "param " << i << " rank " << rank;
    }
  }
}

TEST(GradientBucketer, TiedParameterGetsItsSummedGradientOnceAndUnusedOnesAreZeroed) {
  testing::ThreadGroup group(1);
  testing::ThreadRankCollective collective(group, 0);
  auto params = makeParams({{4, torch::kFloat32}, {4, torch::kFloat32}});
  GradientBucketer bucketer(params, collective);
  bucketer.beginBackward();
  // params[0] used twice (like the tied embedding / LM head); params[1] unused.
  auto loss = (params[0] * 2).sum() + (params[0] * 3).sum();
  loss.backward();
  bucketer.finishBackward();
  EXPECT_TRUE(torch::allclose(params[0].grad(), torch::full({4}, 5.0)));
  ASSERT_TRUE(params[1].grad().defined());
  EXPECT_TRUE(torch::equal(params[1].grad(), torch::zeros({4})));
  EXPECT_EQ(bucketer.collectivesLaunched(), 1);

  // A second backward reuses the buckets: gradients are replaced, not accumulated.
  bucketer.beginBackward();
  (params[0] * 7).sum().backward();
  bucketer.finishBackward();
  EXPECT_TRUE(torch::allclose(params[0].grad(), torch::full({4}, 7.0)));
}

}  // namespace
}  // namespace cog::comms
