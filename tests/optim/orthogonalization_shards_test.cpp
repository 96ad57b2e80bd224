// Sharded Newton-Schulz: the owner plan, and two "ranks" (threads with an in-process sum)
// that each orthogonalise half the matrices yet end with exactly the parameters one
// unsharded optimizer reaches.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/error.hpp"
#include "optim/mugrokfast.hpp"
#include "optim/orthogonalization_shards.hpp"

namespace cog::optim {
namespace {

TEST(OptimOrthogonalizationShards, EveryMatrixHasOneOwnerAndTheWorkIsBalanced) {
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {192, 192}, {512, 192}, {192, 512}, {192, 192}, {96, 192}, {192, 96}, {192, 192}, {512, 192}};
  std::vector<double> costs;
  for (const auto& [rows, cols] : shapes) costs.push_back(newtonSchulzCost(rows, cols));
  for (int world : {1, 2, 3, 8}) {
    const auto owners = assignOrthogonalizationOwners(costs, world);
    ASSERT_EQ(owners.size(), shapes.size());
    std::vector<double> load(static_cast<size_t>(world), 0.0);
    double biggest = 0;
    for (size_t i = 0; i < shapes.size(); ++i) {
      ASSERT_GE(owners[i], 0);
      ASSERT_LT(owners[i], world);
      const double cost = newtonSchulzCost(shapes[i].first, shapes[i].second);
      load[static_cast<size_t>(owners[i])] += cost;
      biggest = std::max(biggest, cost);
    }
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    // Greedy LPT never leaves the busiest rank more than one matrix ahead of the idlest.
    EXPECT_LE(*hi - *lo, biggest) << "world " << world;
    EXPECT_EQ(owners, assignOrthogonalizationOwners(costs, world)) << "the plan must be deterministic";
  }
  EXPECT_EQ(assignOrthogonalizationOwners(costs, 1), std::vector<int>(shapes.size(), 0));
}

TEST(OptimOrthogonalizationShards, BatchesJoinShapesUpToTransposeAndSplitEvenly) {
  // 0, 3, 6 square; 1, 2, 7 one shape up to transpose; 4, 5 another.
  const std::vector<std::pair<int64_t, int64_t>> shapes = {
      {192, 192}, {512, 192}, {192, 512}, {192, 192}, {96, 192}, {192, 96}, {192, 192}, {512, 192}};
  using Batches = std::vector<std::vector<size_t>>;
  EXPECT_EQ(groupNewtonSchulzBatches(shapes), (Batches{{0, 3, 6}, {1, 2, 7}, {4, 5}}));
  // Three of one shape at most two per batch: 2 + 1, in input order.
  EXPECT_EQ(groupNewtonSchulzBatches(shapes, 2), (Batches{{0, 3}, {1, 2}, {4, 5}, {6}, {7}}));
  // Nine at most eight per batch: 5 + 4, not 8 + 1.
  const std::vector<std::pair<int64_t, int64_t>> nine(9, {64, 32});
  EXPECT_EQ(groupNewtonSchulzBatches(nine, 8), (Batches{{0, 1, 2, 3, 4}, {5, 6, 7, 8}}));
  EXPECT_TRUE(groupNewtonSchulzBatches({}).empty());
}

TEST(OptimOrthogonalizationShards, CostIsSymmetricAndGrowsWithSize) {
  EXPECT_EQ(newtonSchulzCost(192, 512), newtonSchulzCost(512, 192));
  EXPECT_LT(newtonSchulzCost(192, 192), newtonSchulzCost(192, 512));
}

// An in-process stand-in for an allreduce between two threads: each posts its tensor,
// and once both have, each gets the sum (computed in the same order on both sides).
class TwoThreadSum {
 public:
  void sum(int rank, torch::Tensor& t) {
    std::unique_lock<std::mutex> lock(mu_);
    posted_[rank] = t.clone();
    ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return arrived_ >= 2 * (round_ + 1); });
    t.copy_(posted_[0] + posted_[1]);
    if (++taken_ == 2) {
      taken_ = 0;
      ++round_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&, r = round_] { return round_ > r; });
    }
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  torch::Tensor posted_[2];
  int arrived_ = 0;
  int taken_ = 0;
  int round_ = 0;
};

struct Model {
  std::vector<torch::Tensor> weights;
  std::vector<NamedParameter> named() {
    std::vector<NamedParameter> out;
    const char* names[] = {"blocks.0.attn.wq.weight", "blocks.0.mlp.w_up.weight", "blocks.0.mlp.w_down.weight",
                           "blocks.1.attn.wq.weight", "tok_emb.weight", "blocks.0.norm.weight"};
    for (size_t i = 0; i < weights.size(); ++i) out.push_back({names[i], weights[i]});
    return out;
  }
};

Model makeModel() {
  torch::manual_seed(3);
  return Model{{torch::randn({48, 48}), torch::randn({96, 48}), torch::randn({48, 96}), torch::randn({48, 48}),
                torch::randn({50, 48}), torch::ones({48})}};
}

// Drawn up front on one thread: the global generator is not for concurrent use.
std::vector<std::vector<torch::Tensor>> gradsPerStep(const Model& m, int steps) {
  torch::manual_seed(100);
  std::vector<std::vector<torch::Tensor>> out(static_cast<size_t>(steps));
  for (auto& step : out) {
    for (const auto& w : m.weights) step.push_back(torch::randn_like(w));
  }
  return out;
}

void setGrads(Model& m, const std::vector<torch::Tensor>& grads) {
  for (size_t i = 0; i < grads.size(); ++i) m.weights[i].mutable_grad() = grads[i].clone();
}

TEST(OptimOrthogonalizationShards, TwoRanksReachTheUnshardedParametersBitwise) {
  MuGrokfastOptions options;
  options.grokfast_lambda = 0.5;
  Model single = makeModel();
  const auto grads = gradsPerStep(single, 4);
  MuGrokfast reference(single.named(), options);
  for (int step = 0; step < 4; ++step) {
    setGrads(single, grads[step]);
    reference.step();
  }

  Model ranks[2] = {makeModel(), makeModel()};
  TwoThreadSum exchange;
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&, r] {
      MuGrokfast optimizer(ranks[r].named(), options);
      optimizer.shareOrthogonalization({r, 2, [&, r](torch::Tensor& t) { exchange.sum(r, t); }});
      for (int step = 0; step < 4; ++step) {
        setGrads(ranks[r], grads[step]);
        optimizer.step();
      }
    });
  }
  for (auto& t : threads) t.join();

  for (size_t i = 0; i < single.weights.size(); ++i) {
    EXPECT_TRUE(torch::equal(ranks[0].weights[i], ranks[1].weights[i])) << "parameter " << i << " differs across ranks";
    EXPECT_TRUE(torch::equal(ranks[0].weights[i], single.weights[i])) << "parameter " << i << " differs from unsharded";
  }
}

TEST(OptimOrthogonalizationShards, AWorldOfOneNeedsNoSum) {
  Model m = makeModel();
  MuGrokfast optimizer(m.named(), MuGrokfastOptions{});
  optimizer.shareOrthogonalization({0, 1, nullptr});
  setGrads(m, gradsPerStep(m, 1)[0]);
  EXPECT_NO_THROW(optimizer.step());
  EXPECT_THROW(optimizer.shareOrthogonalization({0, 2, nullptr}), InvariantError);
}

}  // namespace
}  // namespace cog::optim
