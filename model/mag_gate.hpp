#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

struct GatedOutput {
  torch::Tensor mixed;    // g * y + (1 - g) * m
  torch::Tensor entropy;  // mean binary entropy of g (scalar), for the regulariser
};

// MAG gate: g = sigmoid(W_g relu(W_c [y; m])) per channel, out = g*y + (1-g)*m.
class MagGateImpl : public torch::nn::Module {
 public:
  explicit MagGateImpl(int64_t d_model);
  GatedOutput forward(const torch::Tensor& y, const torch::Tensor& m);

  torch::nn::Linear gate_in{nullptr};   // W_c: 2d -> d
  torch::nn::Linear gate_out{nullptr};  // W_g: d -> d
};
TORCH_MODULE(MagGate);

}  // namespace cog::model
