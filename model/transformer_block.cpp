#include "model/transformer_block.hpp"

#include <torch/torch.h>

namespace cog::model {

TransformerBlockImpl::TransformerBlockImpl(const ModelConfig& c) {
  norm1 = register_module("norm1", RmsNorm(c.d_model, c.rms_eps));
  attn = register_module("attn", CausalAttention(c.d_model, c.n_heads, c.head_dim,
                                                 c.attention_window, c.dropout));
  norm2 = register_module("norm2", RmsNorm(c.d_model, c.rms_eps));
  mlp = register_module("mlp", SwiGlu(c.d_model, c.d_ff, c.dropout));
}

torch::Tensor TransformerBlockImpl::forward(torch::Tensor x, const AttentionLayout& layout) {
  auto h = norm1(x);
  x = x + attn(h, h, layout);
  return x + mlp(norm2(x));
}

}  // namespace cog::model
