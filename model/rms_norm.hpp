#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

// RMSNorm: x / sqrt(mean(x^2) + eps) * weight. No bias, no mean subtraction.
class RmsNormImpl : public torch::nn::Module {
 public:
  RmsNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::Tensor weight_;
  double eps_;
};
TORCH_MODULE(RmsNorm);

}  // namespace cog::model
