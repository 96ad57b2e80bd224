#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace cog::model {

// [T, T] lower-triangular matrix D with D[t, s] = (1 - decay) * decay^(t - s) for s <= t, so
// D @ c computes the EMA m_t = decay * m_{t-1} + (1 - decay) * c_t with m_{-1} = 0 for every
// t at once: one matrix product instead of a loop over time steps.
torch::Tensor emaDecayMatrix(int64_t seq_len, double decay, const torch::TensorOptions& options);

// LTM memory: c = W_down y; m = causal EMA scan of c (state reset per sequence, and per
// document where `same_document` [B, T, T] is given); out = W_up m.
class LtmMemoryImpl : public torch::nn::Module {
 public:
  LtmMemoryImpl(int64_t d_model, int64_t d_mem, double decay);
  torch::Tensor forward(const torch::Tensor& y, const torch::Tensor& same_document = {});

  torch::nn::Linear w_down{nullptr};
  torch::nn::Linear w_up{nullptr};

 private:
  double decay_;
};
TORCH_MODULE(LtmMemory);

}  // namespace cog::model
