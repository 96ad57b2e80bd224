#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "model/rotary.hpp"

namespace cog::model {

// Bool [T, T] mask, true where query position i may attend key position j:
// j <= i (causal) and i - j < window (sliding window). The original project's band mask let
// positions see the future; this function is the single place the rule lives.
torch::Tensor slidingCausalMask(int64_t seq_len, int64_t window, const torch::Device& device);

// Which keys each query may see, as an additive bias on the attention logits: 0 where
// slidingCausalMask allows it (and, when `same_document` ([B, T, T] bool from
// sameDocumentMask) is given, the key is in the query's document), -inf elsewhere.
// [T, T], or [B, 1, T, T] with documents (broadcast over heads). Adding a bias rather than
// masked_fill-ing the logits makes masking cheap on CPU: on 32 x 4 x 96 x 96 logits with
// packed documents LibTorch 1.13's masked_fill takes 0.84 ms a call and an add 0.13 ms,
// and the add's backward passes the gradient through untouched (masked_fill's is another
// masked_fill). The tiny-demo step is 5-8% faster for it.
torch::Tensor attentionBias(int64_t seq_len, int64_t window, const torch::Tensor& same_document,
                            const torch::TensorOptions& options);

// What every attention of one model forward shares, built once per forward by the model
// (the refiner runs its two attentions t_max x micro_steps times): the bias from
// attentionBias and the rotary tables (disabled with learned positions).
struct AttentionLayout {
  torch::Tensor bias;
  Rotary rotary;
};

// Multi-head attention whose queries come from one sequence and keys/values from another of
// the same length (the same tensor for self-attention, the answer state for the TRM
// cross-attention). Both are masked by the layout's bias, so cross-attention is causal too;
// a layout without a bias (a module used on its own) gets slidingCausalMask's at the
// module's window. The layout's rotary tables, when enabled, rotate queries and keys alike.
class CausalAttentionImpl : public torch::nn::Module {
 public:
  CausalAttentionImpl(int64_t d_model, int64_t n_heads, int64_t head_dim, int64_t window,
                      double dropout);
  torch::Tensor forward(const torch::Tensor& query_input, const torch::Tensor& kv_input,
                        const AttentionLayout& layout = {});

  // Largest pre-softmax logit per head over every call since resetMaxLogits(), [n_heads],
  // detached, on the module's device. The refiner calls its attentions t_max x micro_steps
  // times per model forward, and QK-clip must see the largest of all of them, not the last.
  // Undefined before the first call.
  const torch::Tensor& maxLogitPerHead() const { return max_logit_; }
  // Starts a new maximum; the model calls it at the start of each forward.
  void resetMaxLogits() { max_logit_ = torch::Tensor(); }
  int64_t numHeads() const { return n_heads_; }

  torch::nn::Linear wq{nullptr}, wk{nullptr}, wv{nullptr}, wo{nullptr};

 private:
  int64_t n_heads_;
  int64_t head_dim_;
  int64_t window_;
  double dropout_;
  torch::Tensor max_logit_;
};
TORCH_MODULE(CausalAttention);

}  // namespace cog::model
