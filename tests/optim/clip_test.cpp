// Gradient-norm clipping and QK-clip.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.hpp"
#include "optim/grad_clip.hpp"
#include "optim/qk_clip.hpp"

namespace cog::optim {
namespace {

// Two parameters whose grads have global norm sqrt(3^2 + 4^2 + 12^2) = 13, plus one
// without a grad.
std::vector<torch::Tensor> paramsWithNorm13() {
  torch::Tensor a = torch::zeros({2});
  torch::Tensor b = torch::zeros({1, 1});
  a.mutable_grad() = torch::tensor({3.0f, 4.0f});
  b.mutable_grad() = torch::tensor({{12.0f}});
  return {a, b, torch::zeros({3})};
}

double globalNorm(const std::vector<torch::Tensor>& params) {
  double sq = 0.0;
  for (const auto& p : params) {
    if (p.grad().defined()) sq += p.grad().pow(2).sum().item<double>();
  }
  return std::sqrt(sq);
}

TEST(OptimGradClip, ReturnsPreClipNormAndClipsToMaxNorm) {
  const auto params = paramsWithNorm13();
  EXPECT_NEAR(clipGradNorm(params, 6.5), 13.0, 1e-5);
  EXPECT_NEAR(globalNorm(params), 6.5, 1e-5);
  // Direction kept: every grad scaled by the same 0.5.
  EXPECT_TRUE(torch::allclose(params[0].grad(), torch::tensor({1.5f, 2.0f}), 1e-5, 1e-6));
  EXPECT_TRUE(torch::allclose(params[1].grad(), torch::tensor({{6.0f}}), 1e-5, 1e-6));
}

TEST(OptimGradClip, BelowMaxOrMeasureOnlyLeavesGradsAlone) {
  auto params = paramsWithNorm13();
  EXPECT_NEAR(clipGradNorm(params, 20.0), 13.0, 1e-5);
  EXPECT_NEAR(globalNorm(params), 13.0, 1e-5);
  EXPECT_NEAR(clipGradNorm(params, 0.0), 13.0, 1e-5);
  EXPECT_NEAR(clipGradNorm(params, -1.0), 13.0, 1e-5);
  EXPECT_NEAR(globalNorm(params), 13.0, 1e-5);
  EXPECT_EQ(clipGradNorm({torch::zeros({2})}, 1.0), 0.0);  // no grads at all
}

TEST(OptimGradClip, NonFiniteNormIsReportedNotClipped) {
  auto params = paramsWithNorm13();
  params[0].mutable_grad() = torch::tensor({NAN, 4.0f});
  EXPECT_TRUE(std::isnan(clipGradNorm(params, 1.0)));
  EXPECT_EQ(params[1].grad().item<float>(), 12.0f);
  params[0].mutable_grad() = torch::tensor({INFINITY, 4.0f});
  EXPECT_TRUE(std::isinf(clipGradNorm(params, 1.0)));
  EXPECT_EQ(params[1].grad().item<float>(), 12.0f);
}

TEST(OptimQkClip, RescalesOnlyHeadsAboveTau) {
  torch::manual_seed(5);
  const int64_t heads = 4, headDim = 2, dModel = 6;
  torch::Tensor wq = torch::randn({heads * headDim, dModel}, torch::kDouble).requires_grad_(true);
  torch::Tensor wk = torch::randn({heads * headDim, dModel}, torch::kDouble).requires_grad_(true);
  const torch::Tensor wq0 = wq.detach().clone();
  const torch::Tensor wk0 = wk.detach().clone();
  // Head 1 far above tau, head 3 just above, head 2 exactly at tau, head 0 below.
  const torch::Tensor maxLogits = torch::tensor({5.0f, 40.0f, 10.0f, 12.5f});
  const std::vector<int64_t> clipped = clippedHeads(qkClip(wq, wk, heads, maxLogits, /*tau=*/10.0));
  EXPECT_EQ(clipped, (std::vector<int64_t>{1, 3}));

  const double expected[] = {1.0, std::sqrt(10.0 / 40.0), 1.0, std::sqrt(10.0 / 12.5)};
  for (int64_t h = 0; h < heads; ++h) {
    for (const auto& [now, was] : {std::pair{wq, wq0}, std::pair{wk, wk0}}) {
      const torch::Tensor rows = now.detach().narrow(0, h * headDim, headDim);
      const torch::Tensor rows0 = was.narrow(0, h * headDim, headDim);
      if (expected[h] == 1.0) {
        EXPECT_TRUE(torch::equal(rows, rows0)) << "head " << h << " must be untouched";
      } else {
        EXPECT_TRUE(torch::allclose(rows, rows0 * expected[h], 1e-12, 1e-12)) << "head " << h;
      }
    }
  }
  // The point of it: head 1's logits q.k shrink by exactly tau / S = 0.25.
  const torch::Tensor x = torch::randn({dModel}, torch::kDouble);
  const torch::Tensor y = torch::randn({dModel}, torch::kDouble);
  auto logit = [&](const torch::Tensor& q, const torch::Tensor& k) {
    return torch::dot(q.narrow(0, headDim, headDim).mv(x), k.narrow(0, headDim, headDim).mv(y))
        .item<double>();
  };
  EXPECT_NEAR(logit(wq.detach(), wk.detach()), 0.25 * logit(wq0, wk0), 1e-12);
}

TEST(OptimQkClip, SkipsNonFiniteAndRejectsBadShapes) {
  torch::Tensor wq = torch::ones({4, 3});
  torch::Tensor wk = torch::ones({4, 3});
  EXPECT_TRUE(clippedHeads(qkClip(wq, wk, 2, torch::tensor({NAN, INFINITY}), 1.0)).empty());
  EXPECT_TRUE(torch::equal(wq, torch::ones({4, 3})));
  EXPECT_THROW(qkClip(wq, wk, 3, torch::tensor({1.0, 1.0, 1.0}), 1.0), InvariantError);
  EXPECT_THROW(qkClip(wq, torch::ones({4, 2}), 2, torch::tensor({1.0, 1.0}), 1.0), InvariantError);
  EXPECT_THROW(qkClip(wq, wk, 2, torch::tensor({1.0}), 1.0), InvariantError);
  EXPECT_THROW(qkClip(wq, wk, 2, torch::tensor({1.0, 1.0}), 0.0), InvariantError);
}

}  // namespace
}  // namespace cog::optim
