#pragma once
#include "model/attention.hpp"
#include "model/model_config.hpp"
#include "model/rms_norm.hpp"
#include "model/swiglu.hpp"

namespace cog::model {

// The Tiny-Recursive-Model refinement network, shared by every step. A latent step updates
// the reasoning state z from itself and the current answer y; an answer step updates y from
// z. Self- and cross-attention both use the sliding causal mask, so position i of z and y
// only ever depends on positions <= i.
class TrmRefinerImpl : public torch::nn::Module {
 public:
  explicit TrmRefinerImpl(const ModelConfig& config);

  // z += self_attn(norm(z)); z += cross_attn(norm(z) -> norm(y)); z += mlp(norm(z))
  // layout: see CausalAttentionImpl::forward (z and y share positions).
  torch::Tensor latentStep(torch::Tensor z, const torch::Tensor& y, const AttentionLayout& layout = {});
  // The same step's result only at `rows` (flat indices into [B * T]), as [rows, d_model]:
  // the attention sub-layers run at every position (their keys and values are every
  // earlier position), the MLP (half of the step's weights) only at the rows asked for.
  torch::Tensor latentStepAt(const torch::Tensor& z, const torch::Tensor& y, const AttentionLayout& layout,
                             const torch::Tensor& rows);
  // y += W_update [norm(y); norm(z)]
  torch::Tensor answerStep(const torch::Tensor& y, const torch::Tensor& z);

  RmsNorm norm_self{nullptr};
  CausalAttention self_attn{nullptr};
  RmsNorm norm_query{nullptr};
  RmsNorm norm_answer{nullptr};
  CausalAttention cross_attn{nullptr};
  RmsNorm norm_mlp{nullptr};
  SwiGlu mlp{nullptr};
  RmsNorm norm_update_y{nullptr};
  RmsNorm norm_update_z{nullptr};
  torch::nn::Linear update{nullptr};  // 2d -> d
};
TORCH_MODULE(TrmRefiner);

}  // namespace cog::model
