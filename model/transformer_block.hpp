#pragma once
#include "model/attention.hpp"
#include "model/model_config.hpp"
#include "model/rms_norm.hpp"
#include "model/swiglu.hpp"

namespace cog::model {

// Pre-norm block: x += attn(norm1(x)); x += mlp(norm2(x)).
class TransformerBlockImpl : public torch::nn::Module {
 public:
  explicit TransformerBlockImpl(const ModelConfig& config);
  // layout: see CausalAttentionImpl::forward.
  torch::Tensor forward(torch::Tensor x, const AttentionLayout& layout = {});

  RmsNorm norm1{nullptr};
  CausalAttention attn{nullptr};
  RmsNorm norm2{nullptr};
  SwiGlu mlp{nullptr};
};
TORCH_MODULE(TransformerBlock);

}  // namespace cog::model
