// The fused CPU rotation (RoPE) against LibTorch's expression of it: output and gradient,
// with one table for every row and one per row (packed documents), scaled and not.
#include "model/rotary.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace cog::model {
namespace {

std::pair<torch::Tensor, torch::Tensor> run(bool fused, const torch::Tensor& x_in,
                                            const Rotary& rotary, double scale,
                                            const torch::Tensor& grad) {
  auto x = x_in.detach().clone().requires_grad_(true);
  // The attention's layout: [B, T, H, D] storage seen as [B, H, T, D].
  auto view = x.transpose(1, 2);
  auto y = fused ? rotateFused(view, rotary, scale) : rotateReference(view, rotary, scale);
  y.backward(grad);
  return {y.detach(), x.grad()};
}

TEST(FusedRotary, MatchesLibTorch) {
  torch::manual_seed(8);
  const auto x = torch::randn({3, 10, 2, 8});  // [B, T, H, D]
  const auto grad = torch::randn({3, 2, 10, 8});
  const auto shared = rotaryTables(torch::arange(4, 14, torch::kLong), 8, 10000.0, torch::kFloat32);
  const auto per_row =
      rotaryTables(torch::randint(0, 50, {3, 10}, torch::kLong), 8, 100.0, torch::kFloat32);
  for (const auto* rotary : {&shared, &per_row}) {
    for (double scale : {1.0, 0.35}) {
      const auto [y_fused, dx_fused] = run(true, x, *rotary, scale, grad);
      const auto [y_ref, dx_ref] = run(false, x, *rotary, scale, grad);
      EXPECT_LE((y_fused - y_ref).abs().max().item<double>(), 1e-6) << "scale " << scale;
      EXPECT_LE((dx_fused - dx_ref).abs().max().item<double>(), 1e-6) << "scale " << scale;
    }
  }
}

TEST(FusedRotary, ApplyRotaryFallsBackForOtherDtypes) {
  const auto x = torch::randn({2, 2, 6, 4});
  const auto tables = rotaryTables(torch::arange(6, torch::kLong), 4, 10000.0, torch::kFloat64);
  const auto rotated = applyRotary(x.to(torch::kFloat64), tables, 0.5);
  EXPECT_EQ(rotated.scalar_type(), torch::kFloat64);
  const auto tables32 = rotaryTables(torch::arange(6, torch::kLong), 4, 10000.0, torch::kFloat32);
  EXPECT_LE(
      (rotated.to(torch::kFloat32) - applyRotary(x, tables32, 0.5)).abs().max().item<double>(),
      1e-6);
}

}  // namespace
}  // namespace cog::model
