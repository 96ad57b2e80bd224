#include "model/swiglu.hpp"

#include <torch/torch.h>

namespace cog::model {

SwiGluImpl::SwiGluImpl(int64_t d_model, int64_t d_ff, double dropout) : dropout_(dropout) {
  auto opts = [](int64_t in, int64_t out) { return torch::nn::LinearOptions(in, out).bias(false); };
  w_in = register_module("w_in", torch::nn::Linear(opts(d_model, d_ff)));
  w_up = register_module("w_up", torch::nn::Linear(opts(d_model, d_ff)));
  w_down = register_module("w_down", torch::nn::Linear(opts(d_ff, d_model)));
}

torch::Tensor SwiGluImpl::forward(const torch::Tensor& x) {
  auto hidden = torch::silu(w_in(x)) * w_up(x);
  return torch::dropout(w_down(hidden), dropout_, is_training());
}

}  // namespace cog::model
