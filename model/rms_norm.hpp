#pragma once
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

// RMSNorm over the last dimension: x / sqrt(mean(x^2) + eps) * weight. No bias, no mean
// subtraction. On float32 CPU tensors one fused pass each way (rmsNormFused), elsewhere
// (GPU, bf16) LibTorch's expression (rmsNormReference); tests hold them to 1e-5.
torch::Tensor rmsNormReference(const torch::Tensor& x, const torch::Tensor& weight, double eps);
torch::Tensor rmsNormFused(const torch::Tensor& x, const torch::Tensor& weight, double eps);

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
