#include "model/mag_gate.hpp"

#include <torch/torch.h>

namespace cog::model {

MagGateImpl::MagGateImpl(int64_t d_model) {
  gate_in = register_module("gate_in", torch::nn::Linear(2 * d_model, d_model));
  gate_out = register_module("gate_out", torch::nn::Linear(d_model, d_model));
}

GatedOutput MagGateImpl::forward(const torch::Tensor& y, const torch::Tensor& m) {
  auto logits = gate_out(torch::relu(gate_in(torch::cat({y, m}, -1))));
  auto g = torch::sigmoid(logits);
  // Binary entropy from the logits: stable where g saturates at 0 or 1.
  auto log_g = torch::log_sigmoid(logits);
  auto log_not_g = torch::log_sigmoid(-logits);
  auto entropy = -(g * log_g + (1 - g) * log_not_g).mean();
  return {g * y + (1 - g) * m, entropy};
}

}  // namespace cog::model
