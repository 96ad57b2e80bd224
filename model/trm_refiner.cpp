#include "model/trm_refiner.hpp"

#include <torch/torch.h>

namespace cog::model {

TrmRefinerImpl::TrmRefinerImpl(const ModelConfig& c) {
  auto attention = [&] {
    return CausalAttention(c.d_model, c.n_heads, c.head_dim, c.attention_window, c.dropout);
  };
  norm_self = register_module("norm_self", RmsNorm(c.d_model, c.rms_eps));
  self_attn = register_module("self_attn", attention());
  norm_query = register_module("norm_query", RmsNorm(c.d_model, c.rms_eps));
  norm_answer = register_module("norm_answer", RmsNorm(c.d_model, c.rms_eps));
  cross_attn = register_module("cross_attn", attention());
  norm_mlp = register_module("norm_mlp", RmsNorm(c.d_model, c.rms_eps));
  mlp = register_module("mlp", SwiGlu(c.d_model, c.d_ff, c.dropout));
  norm_update_y = register_module("norm_update_y", RmsNorm(c.d_model, c.rms_eps));
  norm_update_z = register_module("norm_update_z", RmsNorm(c.d_model, c.rms_eps));
  update = register_module(
      "update", torch::nn::Linear(torch::nn::LinearOptions(2 * c.d_model, c.d_model).bias(false)));
}

namespace {

// The latent step's two attention sub-layers: z += self_attn(norm(z)); z += cross_attn(...).
torch::Tensor attendLatent(TrmRefinerImpl& r, torch::Tensor z, const torch::Tensor& y, const AttentionLayout& layout) {
  auto h = r.norm_self(z);
  z = z + r.self_attn(h, h, layout);
  return z + r.cross_attn(r.norm_query(z), r.norm_answer(y), layout);
}

}  // namespace

torch::Tensor TrmRefinerImpl::latentStep(torch::Tensor z, const torch::Tensor& y,
                                         const AttentionLayout& layout) {
  z = attendLatent(*this, std::move(z), y, layout);
  return z + mlp(norm_mlp(z));
}

torch::Tensor TrmRefinerImpl::latentStepAt(const torch::Tensor& z, const torch::Tensor& y,
                                           const AttentionLayout& layout, const torch::Tensor& rows) {
  const auto attended = attendLatent(*this, z, y, layout);
  const auto at_rows = attended.reshape({-1, attended.size(-1)}).index_select(0, rows);
  return at_rows + mlp(norm_mlp(at_rows));
}

torch::Tensor TrmRefinerImpl::answerStep(const torch::Tensor& y, const torch::Tensor& z) {
  return y + update(torch::cat({norm_update_y(y), norm_update_z(z)}, -1));
}

}  // namespace cog::model
