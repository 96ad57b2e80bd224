#include "model/attention.hpp"

#include <cmath>
#include <limits>
#include <torch/torch.h>

namespace cog::model {

torch::Tensor slidingCausalMask(int64_t seq_len, int64_t window, const torch::Device& device) {
  auto pos = torch::arange(seq_len, torch::TensorOptions().dtype(torch::kLong).device(device));
  auto query = pos.unsqueeze(1);
  auto key = pos.unsqueeze(0);
  return (key <= query) & (query - key < window);
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
                                           const torch::Tensor& same_document) {
  const int64_t batch = query_input.size(0);
  const int64_t seq = query_input.size(1);
  auto heads = [&](const torch::Tensor& t) {
    return t.view({batch, seq, n_heads_, head_dim_}).transpose(1, 2);  // [B, H, T, hd]
  };
  auto q = heads(wq(query_input));
  auto k = heads(wk(kv_input));
  auto v = heads(wv(kv_input));

  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(head_dim_));
  auto allowed = slidingCausalMask(seq, window_, scores.device());
  // [T, T] broadcasts over batch and heads; with documents [B, 1, T, T] over heads. A
  // query always sees at least itself, so no row of the softmax is all -inf.
  if (same_document.defined()) allowed = allowed & same_document.unsqueeze(1);
  scores = scores.masked_fill(allowed.logical_not(), -std::numeric_limits<float>::infinity());
  // Masked entries are -inf, so the max is over logits the softmax really used.
  const auto call_max = scores.detach().amax({0, 2, 3});
  max_logit_ = max_logit_.defined() ? torch::maximum(max_logit_, call_max) : call_max;

  auto probs = torch::softmax(scores, -1);
  probs = torch::dropout(probs, dropout_, is_training());
  auto out = torch::matmul(probs, v).transpose(1, 2).reshape({batch, seq, n_heads_ * head_dim_});
  return torch::dropout(wo(out), dropout_, is_training());
}

}  // namespace cog::model
