#include "model/ltm_memory.hpp"

#include <cmath>
#include <torch/torch.h>

namespace cog::model {

torch::Tensor emaDecayMatrix(int64_t seq_len, double decay, const torch::TensorOptions& options) {
  // Built in float64 and cast: decay^(t-s) underflows gracefully and stays exact enough.
  auto pos = torch::arange(seq_len, torch::TensorOptions().dtype(torch::kFloat64));
  auto lag = pos.unsqueeze(1) - pos.unsqueeze(0);  // t - s
  auto weights = (1.0 - decay) * torch::exp(lag.clamp_min(0) * std::log(decay));
  weights = weights.masked_fill(lag < 0, 0.0);
  return weights.to(options);
}

const torch::Tensor& EmaDecayCache::get(int64_t seq_len, const torch::TensorOptions& options) {
  const torch::Device device = options.device();
  const Key key{seq_len, static_cast<int>(c10::typeMetaToScalarType(options.dtype())), static_cast<int>(device.type()),
                device.index()};
  auto hit = entries_.find(key);
  // A matrix made under InferenceMode cannot be saved for a later backward: rebuild it.
  if (hit != entries_.end() && !(hit->second.is_inference() && !c10::InferenceMode::is_enabled())) {
    return hit->second;
  }
  if (hit == entries_.end() && entries_.size() >= kMaxEntries) entries_.clear();
  torch::Tensor& slot = entries_[key];
  slot = emaDecayMatrix(seq_len, decay_, options);
  return slot;
}

LtmMemoryImpl::LtmMemoryImpl(int64_t d_model, int64_t d_mem, double decay) : decay_cache_(decay) {
  auto opts = [](int64_t in, int64_t out) { return torch::nn::LinearOptions(in, out).bias(false); };
  w_down = register_module("w_down", torch::nn::Linear(opts(d_model, d_mem)));
  w_up = register_module("w_up", torch::nn::Linear(opts(d_mem, d_model)));
}

torch::Tensor LtmMemoryImpl::forward(const torch::Tensor& y, const torch::Tensor& same_document) {
  auto c = w_down(y);  // [B, T, d_mem]
  torch::Tensor scan = decay_cache_.get(y.size(1), c.options());
  // Zeroing the weights of earlier documents' positions restarts the EMA at m = 0 on each
  // document's first token, exactly as a scan over that document alone.
  if (same_document.defined()) scan = scan * same_document.to(scan.scalar_type());  // [B, T, T]
  return w_up(torch::matmul(scan, c));  // [T,T] or [B,T,T] x [B,T,d_mem]
}

}  // namespace cog::model
