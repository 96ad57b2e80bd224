#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

// SwiGLU feed-forward: w_down(silu(w_gate_in x) * w_up x). Three bias-free matrices.
class SwiGluImpl : public torch::nn::Module {
 public:
  SwiGluImpl(int64_t d_model, int64_t d_ff, double dropout);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Linear w_in{nullptr};    // d_model -> d_ff, goes through SiLU
  torch::nn::Linear w_up{nullptr};    // d_model -> d_ff, the linear half
  torch::nn::Linear w_down{nullptr};  // d_ff -> d_model, residual output projection

 private:
  double dropout_;
};
TORCH_MODULE(SwiGlu);

}  // namespace cog::model
