#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <map>
#include <tuple>

namespace cog::model {

// [T, T] lower-triangular matrix D with D[t, s] = (1 - decay) * decay^(t - s) for s <= t, so
// D @ c computes the EMA m_t = decay * m_{t-1} + (1 - decay) * c_t with m_{-1} = 0 for every
// t at once: one matrix product instead of a loop over time steps.
torch::Tensor emaDecayMatrix(int64_t seq_len, double decay, const torch::TensorOptions& options);

// emaDecayMatrix(seq_len, decay, options) for one decay, built once per (length, dtype,
// device) and reused: the build is a float64 T x T exp plus a cast and, on a GPU, a copy to
// the device, on every forward otherwise. A plain member of the module, not a registered
// buffer, so state_dict() and checkpoints are unchanged. Holds at most kMaxEntries matrices
// (generation asks for every length up to its limit); past that it starts afresh. Not
// thread-safe, like the forward that uses it.
class EmaDecayCache {
 public:
  static constexpr size_t kMaxEntries = 32;
  explicit EmaDecayCache(double decay) : decay_(decay) {}
  // The matrix, built on a miss. Callers must not modify it in place.
  const torch::Tensor& get(int64_t seq_len, const torch::TensorOptions& options);
  size_t size() const { return entries_.size(); }

 private:
  using Key = std::tuple<int64_t, int, int, int>;  // length, dtype, device type, device index
  double decay_;
  std::map<Key, torch::Tensor> entries_;
};

// LTM memory: c = W_down y; m = causal EMA scan of c (state reset per sequence, and per
// document where `same_document` [B, T, T] is given); out = W_up m.
class LtmMemoryImpl : public torch::nn::Module {
 public:
  LtmMemoryImpl(int64_t d_model, int64_t d_mem, double decay);
  torch::Tensor forward(const torch::Tensor& y, const torch::Tensor& same_document = {});

  torch::nn::Linear w_down{nullptr};
  torch::nn::Linear w_up{nullptr};

  const EmaDecayCache& decayCache() const { return decay_cache_; }

 private:
  EmaDecayCache decay_cache_;
};
TORCH_MODULE(LtmMemory);

}  // namespace cog::model
