// The fused CPU RMSNorm against LibTorch's expression of it: output and both gradients, on
// the shapes the model gives it, and the same bits at any thread count.
#include "model/rms_norm.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace cog::model {
namespace {

struct Result {
  torch::Tensor y, dx, dw;
};

Result run(bool fused, const torch::Tensor& x_in, const torch::Tensor& w_in,
           const torch::Tensor& grad) {
  auto x = x_in.detach().clone().requires_grad_(true);
  auto w = w_in.detach().clone().requires_grad_(true);
  auto y = fused ? rmsNormFused(x, w, 1e-6) : rmsNormReference(x, w, 1e-6);
  y.backward(grad);
  return {y.detach(), x.grad(), w.grad()};
}

void expectClose(const Result& a, const Result& b, double tolerance) {
  EXPECT_LE((a.y - b.y).abs().max().item<double>(), tolerance);
  EXPECT_LE((a.dx - b.dx).abs().max().item<double>(), tolerance);
  EXPECT_LE((a.dw - b.dw).abs().max().item<double>(), tolerance * 10);  // a sum over every row
}

TEST(FusedRmsNorm, MatchesLibTorchOnModelShapes) {
  torch::manual_seed(3);
  // 200 rows: more than three of the weight gradient's 64-row blocks, the last one partial.
  for (const auto& shape : {std::vector<int64_t>{4, 50, 96}, std::vector<int64_t>{3, 7, 5}}) {
    const auto x = torch::randn(shape) * 3;
    const auto w = torch::randn({shape.back()});
    const auto grad = torch::randn(shape);
    expectClose(run(true, x, w, grad), run(false, x, w, grad), 1e-5);
  }
  // A transposed (non-contiguous) input, as a view of another layout.
  const auto x = torch::randn({6, 8, 4}).transpose(0, 1);
  const auto w = torch::randn({4});
  const auto grad = torch::randn({8, 6, 4});
  expectClose(run(true, x, w, grad), run(false, x, w, grad), 1e-5);
}

TEST(FusedRmsNorm, TwoThreadsGiveTheOneThreadResultExactly) {
  torch::manual_seed(4);
  const auto x = torch::randn({8, 40, 32});
  const auto w = torch::randn({32});
  const auto grad = torch::randn({8, 40, 32});
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const auto one = run(true, x, w, grad);
  at::set_num_threads(2);
  const auto two = run(true, x, w, grad);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one.y, two.y));
  EXPECT_TRUE(torch::equal(one.dx, two.dx));
  EXPECT_TRUE(torch::equal(one.dw, two.dw));
}

// The module takes LibTorch's expression for other dtypes (and devices).
TEST(FusedRmsNorm, TheModuleFallsBackForOtherDtypes) {
  RmsNorm norm(16, 1e-6);
  const auto x = torch::randn({2, 3, 16});
  const auto as_double = norm->forward(x.to(torch::kFloat64));
  EXPECT_EQ(as_double.scalar_type(), torch::kFloat64);
  EXPECT_LE((as_double.to(torch::kFloat32) - norm->forward(x)).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace cog::model
