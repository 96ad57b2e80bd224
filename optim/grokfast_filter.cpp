#include "optim/grokfast_filter.hpp"

namespace cog::optim {

GrokfastFilter::GrokfastFilter(double alpha, double lambda) : alpha_(alpha), lambda_(lambda) {}

torch::Tensor GrokfastFilter::apply(const torch::Tensor& grad, torch::Tensor& ema) const {
  if (!enabled()) return grad;
  torch::NoGradGuard noGrad;
  if (!ema.defined()) ema = grad.detach().clone();
  ema.mul_(alpha_).add_(grad, 1.0 - alpha_);
  return grad.add(ema, lambda_);
}

}  // namespace cog::optim
