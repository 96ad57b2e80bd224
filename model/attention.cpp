#include "model/attention.hpp"

#include <torch/torch.h>

#include <cmath>

#include "model/attention_core.hpp"

namespace cog::model {

torch::Tensor slidingCausalMask(int64_t seq_len, int64_t window, const torch::Device& device) {
  auto pos = torch::arange(seq_len, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto query = pos.unsqueeze(1);
  auto key = pos.unsqueeze(0);
  return (key <= query) & (query - key < window);
}

torch::Tensor attentionBias(int64_t seq_len, int64_t window, const torch::Tensor& same_document,
                            const torch::TensorOptions& options) {
  auto allowed = slidingCausalMask(seq_len, window, options.device());
  if (same_document.defined()) allowed = allowed & same_document.unsqueeze(1);
  // log(1) = 0 and log(0) = -inf: the bias from one conversion, without a masked_fill.
  return allowed.to(options.dtype()).log();
}

CausalAttentionImpl::CausalAttentionImpl(int64_t d_model, int64_t n_heads, int64_t head_dim,
                                         int64_t window, double dropout)
    : n_heads_(n_heads), head_dim_(head_dim), window_(window), dropout_(dropout) {
  const int64_t inner = n_heads * head_dim;
  auto opts = [](int64_t in, int64_t out) { return torch::nn::LinearOptions(in, out).bias(false); };
  wq = register_module("wq", torch::nn::Linear(opts(d_model, inner)));
  wk = register_module("wk", torch::nn::Linear(opts(d_model, inner)));
  wv = register_module("wv", torch::nn::Linear(opts(d_model, inner)));
  wo = register_module("wo", torch::nn::Linear(opts(inner, d_model)));
}

torch::Tensor CausalAttentionImpl::forward(const torch::Tensor& query_input,
                                           const torch::Tensor& kv_input,
                                           const AttentionLayout& layout) {
  const int64_t batch = query_input.size(0);
  const int64_t seq = query_input.size(1);
  auto heads = [&](const torch::Tensor& t) {
    return t.view({batch, seq, n_heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  };
  // The 1/sqrt(head_dim) scale on the queries: a quarter of the multiplies of scaling the
  // [T, T] logits when T = 4 head_dim (and none with RoPE, whose rotation applies it).
  const double sqrt_head_dim = std::sqrt(static_cast<double>(head_dim_));
  auto q = heads(wq(query_input));
  auto k = heads(wk(kv_input));
  auto v = heads(wv(kv_input));
  if (layout.rotary.enabled()) {
    q = applyRotary(q, layout.rotary, 1.0 / sqrt_head_dim);
    k = applyRotary(k, layout.rotary);
  } else {
    q = q / sqrt_head_dim;
  }

  const auto bias =
      layout.bias.defined() ? layout.bias : attentionBias(seq, window_, {}, q.options());
  // A query always sees at least itself, so no row of the softmax is all -inf.
  auto core = attentionCore(q, k, v, bias, dropout_, is_training());
  max_logit_ = max_logit_.defined() ? torch::maximum(max_logit_, core.max_logit) : core.max_logit;
  auto out = core.out.transpose(1, 2).reshape({batch, seq, n_heads_ * head_dim_});
  return torch::dropout(wo(out), dropout_, is_training());
}

}  // namespace cog::model
