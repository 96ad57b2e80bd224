#pragma once
// Grokfast gradient filter (Lee et al. 2024, "Grokfast: Accelerated Grokking by
// Amplifying Slow Gradients", github.com/ironjr/grokfast, `gradfilter_ema`).
#include <torch/types.h>

namespace cog::optim {

// Amplifies the slow (low-frequency) part of each parameter's gradient:
//   ema = alpha * ema + (1 - alpha) * g;   g' = g + lambda * ema.
// The filter holds only alpha and lambda; the per-parameter EMA tensor is optimizer
// state (it is checkpointed with the rest). lambda == 0 disables the filter.
class GrokfastFilter {
 public:
  GrokfastFilter(double alpha, double lambda);

  bool enabled() const { return lambda_ != 0.0; }
  double alpha() const { return alpha_; }
  double lambda() const { return lambda_; }

  // Updates `ema` in place and returns the filtered gradient as a new tensor (`grad`
  // itself is not modified, so gradient-norm reporting still sees the raw gradient).
  // An undefined `ema` is initialised to `grad` before the update, as the reference
  // implementation does, so the first step already filters with ema = g rather than
  // with a 50x-too-small (1 - alpha) * g from a zero start.
  // When disabled, returns `grad` unchanged and leaves `ema` alone.
  torch::Tensor apply(const torch::Tensor& grad, torch::Tensor& ema) const;

 private:
  double alpha_;
  double lambda_;
};

}  // namespace cog::optim
